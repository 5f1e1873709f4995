package yamlsafe

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestHostileDocuments(t *testing.T) {
	bomb := `a: &a ["x","x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
`
	cases := map[string]struct{ doc, want string }{
		"alias bomb":   {bomb, "alias bomb"},
		"deep flow":    {strings.Repeat("[", 100000) + strings.Repeat("]", 100000), "deeper"},
		"deep block":   {deepBlock(300), "deeper"},
		"invalid yaml": {"a: [1, 2\nb: }", "template.yaml"},
		"bad indent":   {"a:\n  b: 1\n c: 2\n", "template.yaml:2: did not find expected key"},
		"empty":        {"", "empty"},
	}
	for name, c := range cases {
		_, err := Parse("template.yaml", []byte(c.doc))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", name, err, c.want)
		}
		if err != nil && !strings.Contains(err.Error(), "template.yaml") {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
	}
}

func deepBlock(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(strings.Repeat(" ", i))
		b.WriteString("k:\n")
	}
	return b.String()
}

func TestMergeKeys(t *testing.T) {
	doc, err := Parse("t.yml", []byte("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := Get(Body(doc), "m")
	if v := Get(m, "x"); v == nil || v.Value != "1" {
		t.Errorf("x = %v, want 1 from merge", v)
	}
	if v := Get(m, "y"); v == nil || v.Value != "3" {
		t.Errorf("y = %v, want 3 (explicit key wins)", v)
	}
	var keys []string
	Pairs(m, func(k, _ *yaml.Node) { keys = append(keys, k.Value) })
	if strings.Join(keys, ",") != "y,x" && strings.Join(keys, ",") != "x,y" {
		t.Errorf("Pairs keys = %v", keys)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: !Sub '${A}'\n"))
	f.Add([]byte("a: &a [1]\nb: [*a, *a]\n"))
	f.Add([]byte(`{"Resources": {"X": {"Type": "AWS::S3::Bucket"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse("f.yaml", data)
		if err == nil && doc == nil {
			t.Fatal("nil doc without error")
		}
	})
}
