package testenv

import (
	"strings"
	"testing"
	"text/template"
)

// slurmConfig is what slurmConf fills in.
type slurmConfig struct {
	Dir         string // the cluster's directory: state, spool, logs, pids
	Node        string // the node's name
	NodeLine    string // slurmd -C's description of the node's hardware
	MungeSocket string
	CtldPort    int
	SlurmdPort  int
}

// slurmConf is a one-node cluster where root runs everything, all traffic
// stays on 127.0.0.1, and jobs may share CPUs: a one-CPU job step per pool
// worker would otherwise let only as many workers start as there are CPUs.
// No cgroups are used (proctrack/linuxproc, task/none) and jobs are killed
// two seconds after SIGTERM.
var slurmConf = template.Must(template.New("slurm.conf").Parse(`ClusterName=testenv
SlurmctldHost={{.Node}}(127.0.0.1)
SlurmctldPort={{.CtldPort}}
SlurmdPort={{.SlurmdPort}}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={{.MungeSocket}}
StateSaveLocation={{.Dir}}/state
SlurmdSpoolDir={{.Dir}}/spool
SlurmctldPidFile={{.Dir}}/slurmctld.pid
SlurmdPidFile={{.Dir}}/slurmd.pid
SlurmctldLogFile={{.Dir}}/slurmctld.log
SlurmdLogFile={{.Dir}}/slurmd.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
KillWait=2
MailProg=/bin/true
{{.NodeLine}} NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=testenv Nodes={{.Node}} Default=YES MaxTime=INFINITE OverSubscribe=FORCE:64 State=UP
`))

// render returns the slurm.conf text for c.
func (c slurmConfig) render(t testing.TB) string {
	t.Helper()
	var b strings.Builder
	if err := slurmConf.Execute(&b, c); err != nil {
		t.Fatalf("testenv: slurm.conf: %v", err)
	}
	return b.String()
}
