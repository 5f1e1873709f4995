package rules

import (
	"github.com/wardensec/warden/internal/analysis/analysistest"
	"github.com/wardensec/warden/internal/code"
)

// Code rules read what code analysis put into the model, so every fixture
// load runs it, exactly as `warden scan` does after loading.
func init() { analysistest.DefaultEnrich = code.Analyze }
