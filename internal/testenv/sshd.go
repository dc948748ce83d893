package testenv

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// SSH is an OpenSSH server on 127.0.0.1 started by [SSHD] for one test,
// and what a client needs to log in to it. Its fields are read-only; its
// methods are safe for concurrent use.
type SSH struct {
	Host    string // always "127.0.0.1"
	Port    int    // the port sshd listens on
	User    string // the current user, the only one allowed in
	KeyFile string // the private key sshd accepts; its public half is KeyFile+".pub"

	ssh  string // path of the ssh client
	sshd *daemon
}

// SSHD starts an sshd for the duration of the test and returns once it
// accepts connections. It accepts only public-key logins by the current
// user with [SSH.KeyFile]. The server is stopped at cleanup, and with it
// any session still open. SSHD skips the test if OpenSSH is not installed
// (fails it if CI=true) and fails it if the server does not come up.
func SSHD(t testing.TB) *SSH {
	t.Helper()
	bin := requireBinaries(t, "sshd", "ssh", "ssh-keygen")
	dir := newDir(t)
	s := &SSH{Host: "127.0.0.1", Port: freePorts(t, 1)[0], User: currentUser(t),
		KeyFile: filepath.Join(dir, "id_ed25519"), ssh: bin["ssh"]}
	hostKey := filepath.Join(dir, "host_ed25519")
	keygen(t, bin["ssh-keygen"], hostKey)
	keygen(t, bin["ssh-keygen"], s.KeyFile)
	pub, err := os.ReadFile(s.KeyFile + ".pub")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	writeFile(t, filepath.Join(dir, "authorized_keys"), pub, 0o600)
	config := filepath.Join(dir, "sshd_config")
	writeFile(t, config, []byte(sshdConfig(dir, hostKey, s.User)), 0o600)
	// sshd refuses to start without its privilege separation directory.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatalf("testenv: sshd needs /run/sshd: %v", err)
	}
	s.sshd = startDaemon(t, dir, "sshd", bin["sshd"], nil, "-D", "-e", "-f", config, "-p", itoa(s.Port))
	if !waitFor(readyTimeout, func() bool { return s.sshd.exited() || greets(s.Port) }) || s.sshd.exited() {
		t.Fatalf("testenv: sshd not accepting connections on port %d: %s", s.Port, s.sshd.failure())
	}
	return s
}

// sshdConfig is a configuration that lets user in with the keys in
// dir/authorized_keys and nothing else. MaxStartups is raised so that a
// pool can open many sessions at once.
func sshdConfig(dir, hostKey, user string) string {
	return fmt.Sprintf(`ListenAddress 127.0.0.1
HostKey %s
PidFile %s
AuthorizedKeysFile %s
AllowUsers %s
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PrintMotd no
MaxStartups 100
LogLevel INFO
`, hostKey, filepath.Join(dir, "sshd.pid"), filepath.Join(dir, "authorized_keys"), user)
}

// Args returns the ssh client options that reach this server as [SSH.User]
// with [SSH.KeyFile], without host or command: ssh Args()... Host command.
// They ignore the user's ssh configuration, agent and known hosts, never
// prompt, and allocate no terminal. The slice is new on each call.
func (s *SSH) Args() []string {
	return []string{
		"-F", "/dev/null", "-p", itoa(s.Port), "-l", s.User, "-i", s.KeyFile, "-T",
		"-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "LogLevel=ERROR",
	}
}

// Command returns a command that runs name with args on [SSH.Host] through
// this server, its stdin, stdout and stderr forwarded. The remote side
// does not inherit the caller's environment (pass variables as
// Command("env", "VAR=1", binary)), runs in the user's home directory, and
// joins name and args with spaces for the login shell to parse. The
// command's exit status is the remote command's, or 255 if ssh failed.
func (s *SSH) Command(name string, args ...string) *exec.Cmd {
	argv := append(s.Args(), s.Host, name)
	return exec.Command(s.ssh, append(argv, args...)...)
}

// greets reports whether an SSH server answers on 127.0.0.1:port.
func greets(port int) bool {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", itoa(port)), time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(time.Second))
	banner, _ := bufio.NewReader(conn).ReadString('\n')
	return strings.HasPrefix(banner, "SSH-2.0-")
}

// keygen writes a new ed25519 key pair without passphrase to path and path.pub.
func keygen(t testing.TB, sshKeygen, path string) {
	t.Helper()
	run(t, exec.Command(sshKeygen, "-q", "-t", "ed25519", "-N", "", "-C", "testenv", "-f", path))
}

// currentUser returns the name of the user running the test.
func currentUser(t testing.TB) string {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return u.Username
}
