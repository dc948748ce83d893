// Command cluster runs one pool whose workers come through launchers: local
// processes, ssh to other hosts, and Slurm's srun, and prints how many
// inputs each host and worker ran.
//
//	go run ./examples/cluster [-local 2] [-ssh host1,host2] [-ssh-command /path/to/cluster]
//	                          [-ssh-args "-p 2222 -i key"] [-srun 2] [-n 200]
//
// Run without -ssh or -srun, it says how to add them and runs local
// workers only. A worker on another host runs the same program, built for
// that host and reachable at -ssh-command (by default this program's own
// path, which works when the hosts share a file system). srun forwards the
// environment and runs the command in a job step of the cluster SLURM_CONF
// names.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/poolkit/poolkit/procpool"
)

// where says which worker ran an input.
type where struct {
	Host string
	PID  int
	Sum  uint64
}

// work sums the squares of n numbers and says where it ran.
func work(_ context.Context, n int) (where, error) {
	host, err := os.Hostname()
	if err != nil {
		return where{}, err
	}
	var s uint64
	for i := range uint64(n) {
		s += i * i
	}
	return where{Host: host, PID: os.Getpid(), Sum: s}, nil
}

var workTask = procpool.Register("cluster-work", work)

// config is what the flags set.
type config struct {
	local      int
	sshHosts   []string
	sshCommand string
	sshArgs    []string
	srun       int
	inputs     int
	size       int
}

func main() {
	procpool.Main() // in a worker process: serve tasks and exit
	var c config
	var hosts, args string
	self, _ := os.Executable()
	flag.IntVar(&c.local, "local", 2, "local worker processes")
	flag.StringVar(&hosts, "ssh", "", "comma-separated hosts to start a worker on each, through ssh")
	flag.StringVar(&c.sshCommand, "ssh-command", self, "path of this program on the ssh hosts")
	flag.StringVar(&args, "ssh-args", "", "extra ssh options, space-separated (e.g. \"-p 2222 -i key\")")
	flag.IntVar(&c.srun, "srun", 0, "workers to start through srun -N1 -n1 --unbuffered")
	flag.IntVar(&c.inputs, "n", 200, "inputs")
	flag.IntVar(&c.size, "size", 2_000_000, "numbers summed per input")
	flag.Parse()
	if hosts != "" {
		c.sshHosts = strings.Split(hosts, ",")
	}
	c.sshArgs = strings.Fields(args)
	if err := run(os.Stdout, c); err != nil {
		log.Fatal(err)
	}
}

// options turns the configuration into pool options.
func (c config) options() ([]procpool.Option, error) {
	var opts []procpool.Option
	if c.local > 0 {
		opts = append(opts, procpool.Workers(c.local))
	}
	for _, h := range c.sshHosts {
		opts = append(opts, procpool.Launch(1, procpool.SSH(h, c.sshCommand, c.sshArgs...)))
	}
	if c.srun > 0 {
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		opts = append(opts, procpool.Launch(c.srun, func(int) *exec.Cmd {
			return exec.Command("srun", "-N1", "-n1", "--unbuffered", self)
		}))
	}
	if len(opts) == 0 {
		return nil, errors.New("no workers: give -local, -ssh or -srun")
	}
	if os.Getenv("POOLKIT_LOG") != "" {
		opts = append(opts, procpool.Logger(slog.Default()))
	}
	return append(opts, procpool.Prestart()), nil
}

// howToLaunch is what the program says when it runs local workers only.
const howToLaunch = `cluster: no -ssh or -srun given, so every worker runs on this machine. To add workers elsewhere:
  -ssh host1,host2  a worker on each host, through ssh (keys or an agent, no password prompt;
                    -ssh-command is this program's path there, -ssh-args adds ssh options)
  -srun N           N workers through Slurm's srun, from inside an allocation (salloc, sbatch)
  -local 0          none on this machine
go run ./examples/cluster -h lists every flag.

`

// run starts the pool c describes, runs the inputs on it and prints where
// they ran.
func run(w io.Writer, c config) error {
	opts, err := c.options()
	if err != nil {
		return err
	}
	if len(c.sshHosts) == 0 && c.srun == 0 {
		fmt.Fprint(w, howToLaunch)
	}
	p := procpool.New(workTask, opts...)
	defer p.Close()
	waitReady(w, p)
	ins := make([]int, c.inputs)
	for i := range ins {
		ins[i] = c.size
	}
	outs, err := p.Map(context.Background(), ins)
	if err != nil {
		return err
	}
	return report(w, outs, p.Stats())
}

// waitReady waits until every worker of p has started, or one has failed
// to, saying on w how it went. Workers elsewhere take a while: ssh
// connects and authenticates, srun waits for a job step. Without the wait,
// the local workers, ready first, would run every input.
//
// A worker slot shows a pid in Stats once its process has completed the
// handshake, so the wait reads Stats ten times a second.
func waitReady(w io.Writer, p *procpool.Pool[int, where]) {
	start := time.Now()
	fmt.Fprintf(w, "cluster: starting %d workers ...", len(p.Stats().Procs))
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		s := p.Stats()
		switch {
		case s.Workers == len(s.Procs):
			fmt.Fprintf(w, " all ready after %v\n\n", time.Since(start).Round(time.Millisecond))
			return
		case s.StartFailures > 0:
			fmt.Fprintf(w, " %d ready; a worker failed to start (POOLKIT_LOG=1 says why): going on with those ready\n\n", s.Workers)
			return
		}
		<-t.C
	}
}
