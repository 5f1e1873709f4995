package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/model"
)

// family is one format family a rule can apply to: the frameworks that
// belong to it and the prefixes its fixture case directories take.
type family struct {
	name       string
	frameworks []model.Framework
	prefixes   []string
}

// families are the format families issue 3 requires a fix example and a
// fixture case for. SAM and plain CloudFormation are one family: a SAM
// template is CloudFormation with a transform, so one example and one case
// of either covers both.
var families = []family{
	{"SAM/CloudFormation", []model.Framework{model.SAM, model.CloudFormation}, []string{"sam", "cfn"}},
	{"Serverless", []model.Framework{model.Serverless}, []string{"serverless"}},
	{"Terraform", []model.Framework{model.Terraform}, []string{"terraform"}},
}

// appliesTo reports whether the rule lists a framework of the family.
func (fam family) appliesTo(r *analysis.Rule) bool {
	for _, f := range r.Frameworks {
		for _, g := range fam.frameworks {
			if f == g {
				return true
			}
		}
	}
	return false
}

// hasExample reports whether the rule shows a fix for the family.
func (fam family) hasExample(r *analysis.Rule) bool {
	for _, e := range r.Examples {
		for _, g := range fam.frameworks {
			if e.Framework == g && strings.TrimSpace(e.Code) != "" {
				return true
			}
		}
	}
	return false
}

// hasCase reports whether one of the case directory names belongs to the
// family.
func (fam family) hasCase(cases []string) bool {
	for _, c := range cases {
		for _, p := range fam.prefixes {
			if strings.HasPrefix(c, p) {
				return true
			}
		}
	}
	return false
}

// pendingExamples names rules whose fix examples are still missing and
// are kept where this package cannot write them. Each entry must still be
// missing: once the examples exist, the test asks for the entry to go.
var pendingExamples = map[string]string{}

// TestEveryFrameworkIsCovered enforces issue 3: every rule has a fix example
// for each format family it applies to, and a fixture case in each of them,
// so that a rule written once against the model is tested from every
// loader. Rules the driver produces (Run == nil, such as WAR-META-001) have
// their own fixtures and test and are checked for examples only.
func TestEveryFrameworkIsCovered(t *testing.T) {
	for id := range pendingExamples {
		r := ByID(id)
		if r == nil {
			t.Errorf("pendingExamples names %s, which is not in the catalogue", id)
			continue
		}
		complete := true
		for _, fam := range families {
			if fam.appliesTo(r) && !fam.hasExample(r) {
				complete = false
			}
		}
		if complete {
			t.Errorf("%s now has a fix example for every format family: remove it from pendingExamples", id)
		}
	}
	for _, r := range All() {
		var cases []string
		if r.Run != nil {
			entries, _ := os.ReadDir(filepath.Join("testdata", r.ID))
			for _, e := range entries {
				if e.IsDir() {
					cases = append(cases, e.Name())
				}
			}
		}
		for _, fam := range families {
			if !fam.appliesTo(r) {
				continue
			}
			if !fam.hasExample(r) {
				if why, ok := pendingExamples[r.ID]; ok {
					t.Logf("%s applies to %s but has no fix example for it yet (pending: %s)", r.ID, fam.name, why)
				} else {
					t.Errorf("%s applies to %s but has no fix example for it", r.ID, fam.name)
				}
			}
			if r.Run != nil && !fam.hasCase(cases) {
				t.Errorf("%s applies to %s but has no fixture case testdata/%s/%s*", r.ID, fam.name, r.ID, strings.Join(fam.prefixes, "*, "))
			}
		}
	}
}
