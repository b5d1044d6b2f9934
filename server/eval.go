package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/sim"
	"github.com/barri-city/barri/workshop"
)

// evaluator runs sim.Evaluate on a bounded pool of workers, never on a
// hub's goroutine. Cities are loaded once and shared read-only.
type evaluator struct {
	jobs    chan evalJob
	cities  []string
	metrics *metrics
	wg      sync.WaitGroup

	mu     sync.Mutex
	loaded map[string]*cityOnce
}

type cityOnce struct {
	once sync.Once
	city *sim.City
	err  error
}

type evalJob struct {
	city  string
	base  *sim.Scenario
	edits []sim.Edit
	done  func(ind, delta *sim.Indicators, err error)
}

var errBusy = errors.New("server: the evaluation queue is full: retry the command in a moment")

func newEvaluator(workers, queue int, cities []string, m *metrics) *evaluator {
	e := &evaluator{jobs: make(chan evalJob, queue), cities: cities, metrics: m, loaded: map[string]*cityOnce{}}
	for i := 0; i < workers; i++ {
		e.wg.Add(1)
		go e.work()
	}
	return e
}

// allowed reports whether a workshop may use a city.
func (e *evaluator) allowed(city string) bool { return slices.Contains(e.cities, city) }

func (e *evaluator) city(name string) (*sim.City, error) {
	if !e.allowed(name) {
		return nil, fmt.Errorf("server: city %q is not served here: use one of %v", name, e.cities)
	}
	e.mu.Lock()
	c := e.loaded[name]
	if c == nil {
		c = &cityOnce{}
		e.loaded[name] = c
	}
	e.mu.Unlock()
	c.once.Do(func() { c.city, c.err = maps.Load(name, 0) })
	return c.city, c.err
}

// submit queues a job without blocking: errBusy when the queue is full.
func (e *evaluator) submit(j evalJob) error {
	select {
	case e.jobs <- j:
		e.metrics.evalQueued.Inc()
		return nil
	default:
		return errBusy
	}
}

func (e *evaluator) work() {
	defer e.wg.Done()
	for j := range e.jobs {
		e.metrics.evalQueued.Dec()
		start := time.Now()
		ind, delta, err := e.evaluate(j.city, j.base, j.edits)
		e.metrics.evalSeconds.Observe(time.Since(start).Seconds())
		j.done(ind, delta, err)
	}
}

// evaluate computes a proposal's indicators: the base scenario's edits,
// then the proposal's. An edit error names the proposal's edit.
func (e *evaluator) evaluate(cityName string, base *sim.Scenario, edits []sim.Edit) (ind, delta *sim.Indicators, err error) {
	city, err := e.city(cityName)
	if err != nil {
		return nil, nil, err
	}
	sc := &sim.Scenario{Version: 1, Name: "proposal", City: cityName}
	if base != nil {
		sc.Seed, sc.Params = base.Seed, base.Params
		sc.Edits = append(sc.Edits, base.Edits...)
	}
	nBase := len(sc.Edits)
	sc.Edits = append(sc.Edits, edits...)
	res, err := sim.Evaluate(city, sc)
	if err != nil {
		var ee *sim.EditError
		if errors.As(err, &ee) && ee.Index >= nBase {
			return nil, nil, workshop.EditRefusal(ee.Index-nBase, ee.Op, ee.Field, ee.Err)
		}
		return nil, nil, fmt.Errorf("server: the workshop's base scenario: %v", err)
	}
	i, d := res.Scenario.City, res.Delta
	return &i, &d, nil
}

func (e *evaluator) close() {
	close(e.jobs)
	e.wg.Wait()
}

// parseBase reads a workshop's base scenario (nil when it has none).
func parseBase(raw json.RawMessage) (*sim.Scenario, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	return sim.ParseScenario(raw)
}
