package serverless

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/source"
)

// FuzzLoad feeds arbitrary serverless files to the loader: it must never
// panic, hang or read outside the root, and every file and diagnostic
// must name its file. Seeds are the fixtures.
func FuzzLoad(f *testing.F) {
	err := filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, string(filepath.Separator)+"fuzz"+string(filepath.Separator)) {
			return err
		}
		switch filepath.Ext(p) {
		case ".yml", ".yaml", ".json":
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			f.Add(data)
		}
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("service: s\ncustom:\n  a: ${self:custom.a}\nprovider: {name: aws}\nfunctions: {f: {handler: h.x, events: [{http: GET /}]}}\n"))
	f.Add([]byte("service: s\nprovider:\n  name: aws\n  environment:\n    X: ${file(../x.yml):a, ${env:Y, 'z'}}\n"))

	dir := f.TempDir()
	// An include the fuzzer can reach with ${file(./inc.yml)}.
	if err := os.WriteFile(filepath.Join(dir, "inc.yml"), []byte("a: 1\nb: ${self:service}\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n"), 0o644); err != nil {
		f.Fatal(err)
	}
	root, err := source.Open(dir)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { root.Close() })
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, "serverless.yml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		app := load.Safely(context.Background(), Loader{}, root, load.Unit{Kind: load.KindServerless, Files: []string{"serverless.yml"}}, load.Options{})
		found := false
		for _, fl := range app.Files {
			found = found || fl.Path == "serverless.yml"
		}
		if !found {
			t.Fatal("the loaded file is not listed in App.Files")
		}
		for _, d := range app.Diagnostics {
			if d.Code == "internal" {
				t.Fatalf("loader panicked: %s", d.Message)
			}
			if d.Pos.File == "" {
				t.Fatalf("diagnostic without file: %+v", d)
			}
		}
		for _, fn := range app.Functions {
			if fn.Pos.File == "" || fn.ID == "" {
				t.Fatalf("function without position or ID: %+v", fn)
			}
		}
	})
}
