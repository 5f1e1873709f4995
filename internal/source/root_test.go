package source

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRootRefusesEscapes(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("s3cr3t"), 0o600); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "ok.yml"), []byte("a: 1\n"), 0o600))
	must(os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	must(os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "link")))
	must(os.Symlink("..", filepath.Join(dir, "escape")))
	must(os.WriteFile(filepath.Join(dir, "bin"), []byte("ab\x00cd"), 0o600))
	must(os.WriteFile(filepath.Join(dir, "big"), make([]byte, 2048), 0o600))

	r, err := Open(dir)
	must(err)
	defer r.Close()
	r.MaxFileSize = 1024

	if b, err := r.ReadFile("ok.yml"); err != nil || string(b) != "a: 1\n" {
		t.Fatalf("ReadFile(ok.yml) = %q, %v", b, err)
	}
	cases := map[string]error{
		"../etc/passwd": ErrOutsideRoot,
		"/etc/passwd":   ErrOutsideRoot,
		"sub/../../x":   ErrOutsideRoot,
		"link":          ErrOutsideRoot,
		"escape/" + filepath.Base(dir) + "/ok.yml": ErrOutsideRoot,
		"bin": ErrBinary,
		"big": ErrTooLarge,
		"sub": ErrNotRegular,
	}
	for p, want := range cases {
		_, err := r.ReadFile(p)
		if !errors.Is(err, want) {
			t.Errorf("ReadFile(%q) = %v, want %v", p, err, want)
		}
		if err != nil && !strings.Contains(err.Error(), p) {
			t.Errorf("ReadFile(%q) error %q does not name the file", p, err)
		}
	}
}

func TestJoin(t *testing.T) {
	for _, c := range []struct{ from, ref, want string }{
		{"serverless.yml", "./env.yml", "env.yml"},
		{"svc/serverless.yml", "../shared/x.yml", "shared/x.yml"},
		{"svc/serverless.yml", "../../etc/passwd", ""},
		{"a.yml", "/etc/passwd", ""},
	} {
		got, err := Join(c.from, c.ref)
		if c.want == "" {
			if !errors.Is(err, ErrOutsideRoot) {
				t.Errorf("Join(%q,%q) = %q, %v; want ErrOutsideRoot", c.from, c.ref, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Join(%q,%q) = %q, %v; want %q", c.from, c.ref, got, err, c.want)
		}
	}
}
