package procpool

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync"
)

// buildID describes what this program was built from (main module, its
// version or VCS revision and whether the tree was modified, and the Go
// version), so that a worker built from other code can be refused and
// errors can name both sides.
var buildID = sync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown build"
	}
	version, modified := info.Main.Version, ""
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision" && len(s.Value) >= 12:
			version = s.Value[:12]
		case s.Key == "vcs.modified" && s.Value == "true":
			modified = "+modified"
		}
	}
	return fmt.Sprintf("%s %s%s, %s", info.Main.Path, version, modified, info.GoVersion)
})

// comparableBuild reports whether a build description pins the code down
// well enough to compare: it names a VCS revision or a released version
// rather than a development build.
func comparableBuild(b string) bool {
	return b != "unknown build" && !strings.Contains(b, "(devel)") && !strings.Contains(b, "+modified")
}

// executableID returns the Go build ID of the running executable, which
// differs for any change of its code, or "" if it cannot be read. A failure
// (no file descriptor to spare, say) is tried again on the next call, so it
// cannot turn the build check off for good; New reads it first, before the
// pool adds to any shortage.
func executableID() string {
	exeID.mu.Lock()
	defer exeID.mu.Unlock()
	if exeID.id == "" {
		exeID.id = readExecutableID()
	}
	return exeID.id
}

var exeID struct {
	mu sync.Mutex
	id string
}

func readExecutableID() string {
	f, err := os.Open(selfExecutable())
	if err != nil {
		return ""
	}
	defer f.Close()
	if id := elfBuildID(f); id != "" {
		return id
	}
	return markedBuildID(f)
}

// elfBuildID reads the build ID note of an ELF executable.
func elfBuildID(r io.ReaderAt) string {
	ef, err := elf.NewFile(r)
	if err != nil {
		return ""
	}
	s := ef.Section(".note.go.buildid")
	if s == nil {
		return ""
	}
	note, err := s.Data()
	if err != nil || len(note) < 16 {
		return ""
	}
	nameSize := binary.LittleEndian.Uint32(note[0:])
	descSize := binary.LittleEndian.Uint32(note[4:])
	start := 12 + int((nameSize+3)&^3)
	if start+int(descSize) > len(note) {
		return ""
	}
	return string(note[start : start+int(descSize)])
}

// markedBuildID finds the build ID the Go linker writes near the start of
// a non-ELF executable.
func markedBuildID(r io.ReaderAt) string {
	buf := make([]byte, 64<<10)
	n, _ := r.ReadAt(buf, 0)
	buf = buf[:n]
	const prefix = "\xff Go build ID: \""
	i := bytes.Index(buf, []byte(prefix))
	if i < 0 {
		return ""
	}
	rest := buf[i+len(prefix):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}
