package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// kindUsage holds a usage plan's request count for one key and quota
// period; id: planID/keyID/periodStart (RFC 3339).
const kindUsage = "apigw-usage"

type usageRecord struct {
	Used int `json:"used"`
}

// loadUsage reads the stored counts of a plan's current quota period, so
// that a restarted (or another) node goes on from where they stood.
func (s *Service) loadUsage(ctx context.Context, lp *livePlan) error {
	current := periodStart(lp.rec.Quota.Period, s.now()).Format(time.RFC3339)
	rs, err := s.st.List(ctx, kindUsage, lp.id+"/", "", 0)
	if err != nil {
		return err
	}
	for _, r := range rs {
		key := strings.TrimPrefix(r.ID, lp.id+"/")
		if !strings.HasSuffix(key, "/"+current) {
			continue
		}
		var u usageRecord
		if err := json.Unmarshal(r.Data, &u); err != nil {
			return err
		}
		lp.c.used[key] = u.Used
	}
	return nil
}

// FlushUsage adds every plan's pending counts to the store. Each node
// adds only its own increments (compare-and-swap), then takes the
// stored total, which includes other nodes' requests.
func (s *Service) FlushUsage(ctx context.Context) error {
	keys := s.live.Load().keys
	if keys == nil {
		return nil
	}
	seen := map[*planCounters]bool{}
	var errs []error
	for _, k := range keys.byValue {
		for _, p := range k.plans {
			if seen[p.c] {
				continue
			}
			seen[p.c] = true
			if err := s.flushPlan(ctx, p); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func (s *Service) flushPlan(ctx context.Context, p *livePlan) error {
	c := p.c
	c.mu.Lock()
	if len(c.pending) == 0 {
		c.mu.Unlock()
		return nil
	}
	batch := c.pending
	c.pending = map[string]int{}
	c.mu.Unlock()

	var errs []error
	for key, n := range batch {
		id := p.id + "/" + key
		add := func(old []byte) ([]byte, error) {
			var u usageRecord
			if len(old) > 0 {
				if err := json.Unmarshal(old, &u); err != nil {
					return nil, err
				}
			}
			u.Used += n
			return json.Marshal(u)
		}
		rec, err := s.st.Update(ctx, kindUsage, id, add)
		if errors.Is(err, store.ErrNotFound) {
			data, _ := add(nil)
			if rec, err = s.st.Create(ctx, kindUsage, id, data); errors.Is(err, store.ErrAlreadyExists) {
				rec, err = s.st.Update(ctx, kindUsage, id, add)
			}
		}
		var u usageRecord
		if err == nil {
			err = json.Unmarshal(rec.Data, &u)
		}
		c.mu.Lock()
		if err != nil {
			// Keep the counts for the next flush rather than lose them.
			c.pending[key] += n
			errs = append(errs, err)
		} else {
			c.used[key] = u.Used + c.pending[key]
		}
		c.mu.Unlock()
	}
	return errors.Join(errs...)
}

// RunUsageFlusher writes pending quota counts every interval until ctx
// ends, then once more.
func (s *Service) RunUsageFlusher(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := s.FlushUsage(final); err != nil {
				s.log.Warn("gateway: writing usage plan counts", "err", err)
			}
			cancel()
			return
		case <-t.C:
			if err := s.FlushUsage(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("gateway: writing usage plan counts", "err", err)
			}
		}
	}
}
