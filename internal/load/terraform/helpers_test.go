package terraform

import (
	"io/fs"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/source"
)

// unitFor builds the unit discovery would: the directory's .tf, .tf.json
// and tfvars files.
func unitFor(t testing.TB, root *source.Root, dir string) load.Unit {
	t.Helper()
	entries, err := fs.ReadDir(root.FS(), dir)
	if err != nil {
		t.Fatal(err)
	}
	u := load.Unit{Kind: load.KindTerraform, Dir: dir}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() {
			continue
		}
		if strings.HasSuffix(n, ".tf") || strings.HasSuffix(n, ".tf.json") || strings.HasSuffix(n, ".tfvars") || strings.HasSuffix(n, ".tfvars.json") {
			u.Files = append(u.Files, path.Join(dir, n))
		}
	}
	sort.Strings(u.Files)
	return u
}
