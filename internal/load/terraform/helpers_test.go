package terraform

import (
	"context"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/model"
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

func loadDir(t testing.TB, dir string, vars map[string]string) *model.App {
	t.Helper()
	root, err := source.Open("testdata")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return Loader{}.Load(context.Background(), root, unitFor(t, root, dir), load.Options{Vars: vars})
}

// lineOf returns the line of the first line containing text at or after
// the first line containing anchor, so fixtures can be edited without
// renumbering the tests.
func lineOf(t testing.TB, file, anchor, text string) int {
	t.Helper()
	b, err := os.ReadFile(path.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	found := anchor == ""
	for i, ln := range strings.Split(string(b), "\n") {
		if !found && strings.Contains(ln, anchor) {
			found = true
		}
		if found && strings.Contains(ln, text) {
			return i + 1
		}
	}
	t.Fatalf("%s: no line with %q after %q", file, text, anchor)
	return 0
}

func findFn(t testing.TB, app *model.App, id string) *model.Function {
	t.Helper()
	for _, f := range app.Functions {
		if f.ID == id {
			return f
		}
	}
	var ids []string
	for _, f := range app.Functions {
		ids = append(ids, f.ID)
	}
	t.Fatalf("no function %s; have %v", id, ids)
	return nil
}

func findRes(t testing.TB, app *model.App, id string) *model.Resource {
	t.Helper()
	for _, r := range app.Resources {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no resource %s", id)
	return nil
}

func findRole(t testing.TB, app *model.App, id string) *model.Role {
	t.Helper()
	for _, r := range app.Roles {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no role %s", id)
	return nil
}

// known asserts a Known value and its line (0: do not check the line).
func known(t testing.TB, what string, v model.Value, want string, file string, line int) {
	t.Helper()
	if !v.IsKnown() || v.V != want {
		t.Errorf("%s = %s, want known %q", what, v.String(), want)
		return
	}
	if line > 0 && (v.Pos.File != file || v.Pos.Line != line) {
		t.Errorf("%s at %s, want %s:%d", what, v.Pos, file, line)
	}
}

// unknown asserts an Unknown value whose expression contains expr.
func unknown(t testing.TB, what string, v model.Value, expr string) {
	t.Helper()
	if !v.IsUnknown() || !strings.Contains(v.Expr, expr) {
		t.Errorf("%s = %s, want unknown with %q", what, v.String(), expr)
	}
}

func hasDiag(t testing.TB, app *model.App, file string, line int, code, text string) {
	t.Helper()
	for _, d := range app.Diagnostics {
		if d.Pos.File == file && (line == 0 || d.Pos.Line == line) && d.Code == code && strings.Contains(d.Message, text) {
			return
		}
	}
	var got []string
	for _, d := range app.Diagnostics {
		got = append(got, d.Pos.String()+" "+d.Code+" "+d.Message)
	}
	t.Errorf("no %s diagnostic at %s:%d containing %q; have:\n%s", code, file, line, text, strings.Join(got, "\n"))
}

func trigger(f *model.Function, typ, path string) *model.Trigger {
	for _, t := range f.Triggers {
		if t.Type == typ && (path == "" || t.Path.V == path) {
			return t
		}
	}
	return nil
}

func hasEdge(app *model.App, from, to string, k model.EdgeKind) bool {
	for _, e := range app.Edges {
		if e.From == from && e.To == to && e.Kind == k {
			return true
		}
	}
	return false
}
