package audit

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A pool's error is the worker's own, not the cancellation it caused in
// its siblings; a cancelled parent's error wins.
func TestWorkerErr(t *testing.T) {
	boom := errors.New("boom")
	ctx := context.Background()
	done, cancel := context.WithCancel(ctx)
	cancel()
	cases := []struct {
		name   string
		parent context.Context
		errs   []error
		want   error
	}{
		{"none", ctx, []error{nil, nil}, nil},
		{"one and its cancellations", ctx, []error{context.Canceled, boom, fmt.Errorf("wrapped: %w", context.Canceled)}, boom},
		{"parent cancelled", done, []error{boom}, context.Canceled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := workerErr(tc.parent, tc.errs)
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tc.want)
			if tc.want == boom {
				assert.NotErrorIs(t, err, context.Canceled)
			}
		})
	}
}
