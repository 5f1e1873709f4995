package cloudformation

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/source"
)

func TestDump(t *testing.T) {
	f := os.Getenv("DUMP")
	if f == "" {
		t.Skip()
	}
	root, err := source.Open("testdata")
	if err != nil {
		t.Fatal(err)
	}
	app := Loader{}.Load(context.Background(), root, load.Unit{Kind: load.KindCloudFormation, Files: []string{f}}, load.Options{})
	b, _ := json.MarshalIndent(app, "", " ")
	os.Stdout.Write(b)
}
