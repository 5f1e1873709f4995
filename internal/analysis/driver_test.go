package analysis

import (
	"context"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/model"
)

func testRules() []*Rule {
	flag := &Rule{ID: "WAR-TST-001", Title: "t", SAS: "SAS-3", CWE: []string{"CWE-1"}, Severity: High, Run: func(p *Pass) {
		for _, f := range p.App.Functions {
			p.Report(Finding{Pos: f.Pos, Subject: f.ID, Message: "flagged " + f.Name})
		}
	}}
	nondefault := &Rule{ID: "WAR-TST-002", Severity: Low, NonDefault: true, Run: func(p *Pass) {
		p.Report(Finding{Pos: model.Pos{File: "a.yml", Line: 1}, Message: "extra"})
	}}
	boom := &Rule{ID: "WAR-TST-003", Severity: Low, Run: func(p *Pass) { panic("bug") }}
	meta := &Rule{ID: MetaSuppressionWithoutReason, Severity: Medium}
	return []*Rule{flag, nondefault, boom, meta}
}

func TestRunSuppressionsAndConfig(t *testing.T) {
	files := map[string][]string{
		"a.yml": {
			"# warden:ignore WAR-TST-001 health check is public on purpose",
			"Fn1: x",
			"Fn2: x # warden:ignore WAR-TST-001",
			"Fn3: x",
			"Fn4: x # warden:ignore WAR-OTHER-001 not this rule",
		},
		"test/b.yml": {"Fn5: x"},
	}
	app := &model.App{}
	for i, n := range []string{"Fn1", "Fn2", "Fn3", "Fn4"} {
		app.Functions = append(app.Functions, &model.Function{ID: "a.yml#" + n, Name: n, Pos: model.Pos{File: "a.yml", Line: i + 2}})
	}
	app.Functions = append(app.Functions, &model.Function{ID: "test/b.yml#Fn5", Name: "Fn5", Pos: model.Pos{File: "test/b.yml", Line: 1}})
	lines := func(f string) ([]string, bool) { l, ok := files[f]; return l, ok }
	cfg := Config{Exclude: []string{"test"}, Severity: map[string]Severity{"WAR-TST-001": Critical}}
	fs := Run(context.Background(), app, testRules(), cfg, lines, nil)

	byMsg := map[string]Finding{}
	for _, f := range fs {
		byMsg[f.RuleID+" "+f.Message] = f
	}
	if f := byMsg["WAR-TST-001 flagged Fn1"]; f.Suppressed == nil || f.Suppressed.Reason != "health check is public on purpose" {
		t.Errorf("Fn1 should be suppressed with its reason: %+v", f.Suppressed)
	}
	if f := byMsg["WAR-TST-001 flagged Fn2"]; f.Suppressed == nil || f.Suppressed.Reason != "" {
		t.Errorf("Fn2 should be suppressed without reason: %+v", f.Suppressed)
	}
	if f := byMsg["WAR-TST-001 flagged Fn3"]; f.Suppressed != nil || f.Severity != Critical {
		t.Errorf("Fn3 should be reported at the overridden severity: %+v", f)
	}
	if f := byMsg["WAR-TST-001 flagged Fn4"]; f.Suppressed != nil {
		t.Errorf("a suppression for another rule must not apply: %+v", f)
	}
	if _, ok := byMsg["WAR-TST-001 flagged Fn5"]; ok {
		t.Errorf("excluded path was reported")
	}
	if _, ok := byMsg["WAR-TST-002 extra"]; ok {
		t.Errorf("non-default rule ran without being enabled")
	}
	var meta, crashed int
	for _, f := range fs {
		if f.RuleID == MetaSuppressionWithoutReason {
			meta++
			if f.Pos.Line != 3 {
				t.Errorf("META finding at %v, want line 3", f.Pos)
			}
		}
		if f.RuleID == "WAR-META-000" && strings.Contains(f.Message, "WAR-TST-003") {
			crashed++
		}
	}
	if meta != 1 || crashed != 1 {
		t.Errorf("meta findings = %d, crash reports = %d; want 1 and 1", meta, crashed)
	}
}

func TestFingerprintSurvivesLineMoves(t *testing.T) {
	a := Finding{RuleID: "WAR-X-001", Pos: model.Pos{File: "t.yml", Line: 10}, Subject: "t.yml#Fn|runtime", Message: "m"}
	b := a
	b.Pos.Line = 42
	if Fingerprint(a) != Fingerprint(b) {
		t.Error("fingerprint changed with the line")
	}
	c := a
	c.Subject = "t.yml#Other|runtime"
	if Fingerprint(a) == Fingerprint(c) {
		t.Error("different subjects share a fingerprint")
	}
	app := &model.App{Functions: []*model.Function{{ID: "t.yml#Fn", Name: "Fn", Pos: model.Pos{File: "t.yml", Line: 3}}}}
	first := Run(context.Background(), app, testRules()[:1], Config{}, nil, nil)
	app.Functions[0].Pos.Line = 30
	base := map[string]bool{first[0].Fingerprint: true}
	again := Run(context.Background(), app, testRules()[:1], Config{}, nil, base)
	if again[0].Suppressed == nil || again[0].Suppressed.Kind != "baseline" {
		t.Errorf("moved finding not matched by baseline: %+v", again[0])
	}
}
