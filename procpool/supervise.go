package procpool

// waitForWork blocks until there is a part to run, for a slot without a
// worker. It reports false when the pool is done.
func (p *Pool[In, Out]) waitForWork() (*part[In, Out], bool) {
	q := p.intake
	queue := q.queue
	for !p.isAbandoned() {
		if pt := q.popRetry(); pt != nil {
			return p.unlessAbandoned(pt)
		}
		select {
		case pt, ok := <-queue:
			if ok {
				return p.unlessAbandoned(pt)
			}
			queue = nil
		case <-q.kick:
		case <-q.finished:
			return nil, false
		case <-p.abandon:
		}
	}
	return nil, false
}

// unlessAbandoned returns pt to run, or puts it back for Shutdown to settle
// if Shutdown has given up waiting.
func (p *Pool[In, Out]) unlessAbandoned(pt *part[In, Out]) (*part[In, Out], bool) {
	if p.isAbandoned() {
		p.intake.requeue(pt)
		return nil, false
	}
	return pt, true
}

// starting and ready count the slots starting a worker and those with one.
func (p *Pool[In, Out]) starting(n int) {
	p.startMu.Lock()
	p.nStarting += n
	p.startMu.Unlock()
}

func (p *Pool[In, Out]) ready(n int) {
	p.startMu.Lock()
	p.nReady += n
	p.startMu.Unlock()
}

// startFailed reports a worker that did not start. If no worker is ready
// and none is starting, nothing can run the queued inputs for now, so they
// fail with the error instead of waiting for a worker that may never come.
func (p *Pool[In, Out]) startFailed(s *slot[In, Out], err *WorkerError) {
	if p.isAbandoned() {
		return
	}
	p.stats.startFailures.Add(1)
	p.log.Error("procpool: worker did not start", "slot", s.index, "err", err)
	p.startMu.Lock()
	stuck := p.nReady == 0 && p.nStarting == 0
	p.startMu.Unlock()
	if stuck {
		p.intake.drain(err)
	}
}

// logExit logs how a worker ended.
func (p *Pool[In, Out]) logExit(werr *WorkerError) {
	if werr.Kind == nil {
		p.log.Info("procpool: worker exited", "slot", werr.Slot, "pid", werr.PID, "status", werr.Status)
		return
	}
	p.stats.died.Add(1)
	p.log.Warn("procpool: worker died", "slot", werr.Slot, "pid", werr.PID, "status", werr.Status, "err", werr)
}
