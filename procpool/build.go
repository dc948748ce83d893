package procpool

import (
	"fmt"
	"runtime/debug"
	"sync"
)

// buildID describes what this program was built from (main module, its
// version or VCS revision, and the Go version), so that errors about a
// worker built from other code can name both sides.
var buildID = sync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown build"
	}
	version := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			version = s.Value[:12]
		}
	}
	return fmt.Sprintf("%s %s, %s", info.Main.Path, version, info.GoVersion)
})
