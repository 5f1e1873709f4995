package cloudformation

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/load"
)

// FuzzLoad feeds arbitrary bytes through parsing and model building: the
// loader must never panic and must always list the file.
func FuzzLoad(f *testing.F) {
	err := filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, "fuzz") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f.Add(data)
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		app := loadBytes(context.Background(), nil, "fuzz.yaml", data, load.Options{Vars: map[string]string{"Stage": "prod"}})
		if app == nil || len(app.Files) != 1 || app.Files[0].Path != "fuzz.yaml" {
			t.Fatalf("file not listed: %+v", app)
		}
		if _, err := json.Marshal(app); err != nil {
			t.Fatalf("model does not serialise: %v", err)
		}
		for _, d := range app.Diagnostics {
			if d.Pos.File != "fuzz.yaml" {
				t.Fatalf("diagnostic without the file: %+v", d)
			}
		}
	})
}
