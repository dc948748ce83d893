package procpool_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/procpool"
)

func TestPoisonInputStopsKillingWorkers(t *testing.T) {
	p, _ := newPool(t, crashOnTask, procpool.Workers(2), procpool.Retries(5), procpool.PoisonAfter(2))
	_, err := p.Submit(bg(), 13).Result(bg())
	require.ErrorIs(t, err, procpool.ErrPoisonTask)
	require.ErrorIs(t, err, procpool.ErrWorkerDied, "the poison error carries the last death")
	assert.Contains(t, err.Error(), "running on 2 workers that died")
	assert.Equal(t, uint64(2), p.Stats().Died)
}

func TestRetriesRunAgainElsewhere(t *testing.T) {
	// Without retries, the inputs of a batch on a worker that died fail;
	// with them, they run again one by one and only the culprit fails.
	p, _ := newPool(t, crashOnTask, procpool.Workers(2), procpool.Retries(1), procpool.PoisonAfter(2))
	var failed []int
	i := 0
	for v, err := range p.MapSeq(bg(), slices.Values(ints(5000))) {
		if err != nil {
			var te *pool.TaskError
			require.ErrorAs(t, err, &te)
			require.ErrorIs(t, err, procpool.ErrPoisonTask)
			failed = append(failed, te.Index)
		} else {
			require.Equal(t, i, v)
		}
		i++
	}
	assert.Equal(t, []int{13}, failed)
}

func TestWorkerDeathFailsTheBatchWithoutRetries(t *testing.T) {
	p, _ := newPool(t, crashOnTask, procpool.Workers(1))
	_, err := p.Map(bg(), ints(100))
	var te *pool.TaskError
	require.ErrorAs(t, err, &te)
	require.ErrorIs(t, err, procpool.ErrWorkerDied)
	assert.LessOrEqual(t, te.Index, 13, "an input of the batch that was running fails")
	outs, err := p.Map(bg(), ints(13))
	require.NoError(t, err, "the pool is not broken")
	assert.Len(t, outs, 13)
}

func TestOnlyTheInputThatWasRunningIsChargedWithADeath(t *testing.T) {
	// With one retry and PoisonAfter(1), an input is poisoned by the first
	// death it is charged with: only the one that was running may be, and
	// the inputs of its batch that had not started run again.
	p, _ := newPool(t, crashOnTask, procpool.Workers(2), procpool.Retries(1), procpool.PoisonAfter(1))
	for round := range 3 {
		var failed []int
		i := 0
		for v, err := range p.MapSeq(bg(), slices.Values(ints(2000))) {
			if err != nil {
				var pe *procpool.PoisonError
				require.ErrorAs(t, err, &pe, "round %d, input %d", round, i)
				assert.Equal(t, 1, pe.Deaths)
				failed = append(failed, i)
			} else {
				require.Equal(t, i, v)
			}
			i++
		}
		assert.Equal(t, []int{13}, failed, "round %d: only the culprit fails; stats %+v", round, p.Stats())
	}
}
