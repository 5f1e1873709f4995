package discover

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/wardensec/warden/internal/source"
)

func TestWalkFilesAppliesSkipRules(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		".gitignore":                "ignored.env\nout/\n",
		"app.py":                    "x = 1\n",
		"src/handler.js":            "module.exports = {}\n",
		"ignored.env":               "A=1\n",
		"out/gen.js":                "1\n",
		"node_modules/dep/index.js": "1\n",
		"skipme/a.txt":              "1\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	var got []string
	skipped, err := WalkFiles(context.Background(), root, Options{Exclude: []string{"skipme"}}, func(p string) error {
		got = append(got, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	want := []string{".gitignore", "app.py", "src/handler.js"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("files = %v, want %v", got, want)
	}
	if skipped != 2 { // ignored.env and out/
		t.Errorf("skipped = %d, want 2", skipped)
	}

	// Without .gitignore handling the ignored files come back; SkipDirs stay skipped.
	got = nil
	if _, err := WalkFiles(context.Background(), root, Options{NoGitignore: true}, func(p string) error {
		got = append(got, p)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	want = []string{".gitignore", "app.py", "ignored.env", "out/gen.js", "skipme/a.txt", "src/handler.js"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("files without gitignore = %v, want %v", got, want)
	}

	stop := errors.New("stop")
	if _, err := WalkFiles(context.Background(), root, Options{}, func(string) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("WalkFiles did not return fn's error: %v", err)
	}
}
