package report_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tabsdc/tabsdc/audit"
	"github.com/tabsdc/tabsdc/report"
)

func TestOutcomeOf(t *testing.T) {
	fail := []audit.Finding{{Cell: 3, Why: "x"}}
	cases := []struct {
		name   string
		a      *audit.Result
		sg     *audit.SingletonResult
		passed bool
		want   report.AuditOutcome
	}{
		{"passed", &audit.Result{Audited: 7, Components: 2, Largest: 5}, nil, true, report.AuditOutcome{Passed: true, Audited: 7, Components: 2, LargestInnerLP: 5}},
		{"disclosed", &audit.Result{Audited: 7, Disclosed: fail}, nil, false, report.AuditOutcome{Audited: 7, Disclosed: 1}},
		{"singleton fails", &audit.Result{Audited: 7}, &audit.SingletonResult{Intruders: 4, UnderProtected: fail}, false, report.AuditOutcome{Audited: 7, SingletonIntruders: 4, SingletonUnderProtected: 1}},
		{"singletons pass", &audit.Result{Audited: 7}, &audit.SingletonResult{Intruders: 4}, true, report.AuditOutcome{Passed: true, Audited: 7, SingletonIntruders: 4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := report.OutcomeOf(tc.a, tc.sg, false)
			assert.Equal(t, tc.passed, got.Passed)
			assert.Equal(t, tc.want, *got)
		})
	}
}
