package future

import (
	"context"
	"errors"
	"fmt"
)

// WaitMode says when [Wait] returns.
type WaitMode int

const (
	// AllCompleted returns once every future has settled.
	AllCompleted WaitMode = iota
	// FirstCompleted returns once any future has settled.
	FirstCompleted
	// FirstError returns once any future fails, or once every future has
	// settled if none fails, like Python's FIRST_EXCEPTION. A future fails
	// when it settles with an error other than cancellation: an error that
	// satisfies errors.Is(err, context.Canceled), as [Future.Cancel] and a
	// cancelled parent context give, is a decision of the caller, not a
	// failure of the work, and does not count. An error that satisfies
	// errors.Is(err, context.DeadlineExceeded) does count: a deadline or a
	// per-task timeout that ran out means the work did not finish in the
	// time it was given, as a TimeoutError raised by the work counts in
	// Python.
	FirstError
)

// String returns the mode's name.
func (m WaitMode) String() string {
	switch m {
	case AllCompleted:
		return "AllCompleted"
	case FirstCompleted:
		return "FirstCompleted"
	case FirstError:
		return "FirstError"
	}
	return fmt.Sprintf("WaitMode(%d)", int(m))
}

// Wait blocks until the condition given by mode holds for fs, or ctx ends,
// and returns the futures that have settled and those still pending, each in
// the order of fs. It returns ctx.Err() if ctx ended before the condition
// held, nil otherwise; futures that have settled count even when ctx has
// ended (see [AsCompleted]). Wait does not cancel anything, and removes
// every registration it made on the futures before it returns, so calling
// it again and again with a short timeout holds no memory. Wait is safe for
// concurrent use. It panics if mode is not one of the [WaitMode] constants.
func Wait[T any](ctx context.Context, mode WaitMode, fs ...*Future[T]) (done, pending []*Future[T], err error) {
	if mode < AllCompleted || mode > FirstError {
		panic(fmt.Sprintf("future: Wait: unknown mode %v", mode))
	}
	err = waitFor(ctx, mode, fs)
	for _, f := range fs {
		if f.Settled() {
			done = append(done, f)
		} else {
			pending = append(pending, f)
		}
	}
	return done, pending, err
}

// waitFor blocks until mode is satisfied or ctx ends.
func waitFor[T any](ctx context.Context, mode WaitMode, fs []*Future[T]) error {
	seen := 0
	for f := range AsCompleted(ctx, fs...) {
		if mode == FirstCompleted || (mode == FirstError && failed(f.Err())) {
			return nil
		}
		seen++
	}
	if seen < len(fs) {
		return ctx.Err()
	}
	return nil
}

// failed reports whether err, a settled future's error, counts as a
// failure for [FirstError].
func failed(err error) bool {
	return err != nil && !errors.Is(err, context.Canceled)
}

// All blocks until every future in fs has settled with a value and returns
// the values in the order of fs. It returns early with the first error to
// settle (cancellation included, since a cancelled future has no value),
// wrapped with the future's position in fs, or with ctx.Err() if ctx ends
// before every future has settled; futures that have settled count even
// when ctx has ended. All does not cancel the futures still pending when it
// returns early, and removes every registration it made on them before it
// returns. All is safe for concurrent use.
func All[T any](ctx context.Context, fs ...*Future[T]) ([]T, error) {
	seen := 0
	for f := range AsCompleted(ctx, fs...) {
		if err := f.Err(); err != nil {
			return nil, fmt.Errorf("future: All: future %d of %d: %w", indexOf(fs, f), len(fs), err)
		}
		seen++
	}
	if seen < len(fs) {
		return nil, ctx.Err()
	}
	values := make([]T, len(fs))
	for i, f := range fs {
		values[i] = f.value
	}
	return values, nil
}

func indexOf[T any](fs []*Future[T], f *Future[T]) int {
	for i, g := range fs {
		if g == f {
			return i
		}
	}
	return -1
}
