package deps

import (
	"go/parser"
	"go/token"
	"regexp"
	"strconv"
	"strings"

	"github.com/wardensec/warden/internal/vulndb"
)

// This file is a cheap import scan of handler files: a heuristic that
// stands in until code analysis fills model.Function.Code.Imports. It reads
// import statements with regular expressions (Python, JavaScript) or the Go
// parser in ImportsOnly mode, and never executes or resolves anything.

var (
	pyImportRE = regexp.MustCompile(`(?m)^[ \t]*import[ \t]+([^#\n;]+)`)
	pyFromRE   = regexp.MustCompile(`(?m)^[ \t]*from[ \t]+([A-Za-z_][\w.]*)[ \t]+import\b`)
	jsRequire  = regexp.MustCompile(`\brequire\s*\(\s*['"]([^'"\n]+)['"]\s*\)`)
	jsImport   = regexp.MustCompile(`(?m)(?:^|;)\s*(?:import|export)\s+(?:[^'";]*?\s+from\s+)?['"]([^'"\n]+)['"]`)
	jsDynamic  = regexp.MustCompile(`\bimport\s*\(\s*['"]([^'"\n]+)['"]\s*\)`)
)

// PythonImports returns the top-level modules a Python file imports
// ("yaml" for `import yaml.constructor`). Relative imports are skipped:
// they name the function's own code.
func PythonImports(src string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(m string) {
		m = strings.TrimSpace(m)
		if m == "" || strings.HasPrefix(m, ".") {
			return
		}
		top, _, _ := strings.Cut(m, ".")
		if !isIdent(top) || seen[top] {
			return
		}
		seen[top] = true
		out = append(out, top)
	}
	for _, m := range pyImportRE.FindAllStringSubmatch(src, -1) {
		list := strings.Trim(strings.TrimSpace(m[1]), "()\\")
		for _, part := range strings.Split(list, ",") {
			name, _, _ := strings.Cut(strings.TrimSpace(part), " ")
			add(name)
		}
	}
	for _, m := range pyFromRE.FindAllStringSubmatch(src, -1) {
		add(m[1])
	}
	return out
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9') || r > 127 {
			continue
		}
		return false
	}
	return true
}

// JSImports returns the npm packages a JavaScript or TypeScript file loads
// with require(), import ... from, export ... from or import(). Relative
// paths and node: built-ins are skipped; deep imports ("lodash/fp",
// "@aws-sdk/client-s3/dist") are reduced to the package name.
func JSImports(src string) []string {
	seen := map[string]bool{}
	var out []string
	for _, re := range []*regexp.Regexp{jsRequire, jsImport, jsDynamic} {
		for _, m := range re.FindAllStringSubmatch(src, -1) {
			p := npmPackageOf(m[1])
			if p != "" && !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

func npmPackageOf(spec string) string {
	spec = strings.TrimSpace(spec)
	if spec == "" || strings.HasPrefix(spec, ".") || strings.HasPrefix(spec, "/") || strings.HasPrefix(spec, "node:") || strings.Contains(spec, ":") {
		return ""
	}
	parts := strings.Split(spec, "/")
	if strings.HasPrefix(spec, "@") {
		if len(parts) < 2 || parts[1] == "" {
			return ""
		}
		return parts[0] + "/" + parts[1]
	}
	return parts[0]
}

// GoImports returns the import paths of a Go file, or nil when it does not
// parse.
func GoImports(src string) []string {
	f, err := parser.ParseFile(token.NewFileSet(), "handler.go", src, parser.ImportsOnly)
	if err != nil {
		return nil
	}
	var out []string
	for _, im := range f.Imports {
		if p, err := strconv.Unquote(im.Path.Value); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// pyModuleDist maps import names to the distributions that provide them,
// where the two differ in more than case and separators. It is short on
// purpose: the common web, AWS and data packages of Lambda functions.
var pyModuleDist = map[string]string{
	"yaml": "pyyaml", "pil": "pillow", "bs4": "beautifulsoup4", "dateutil": "python-dateutil",
	"jwt": "pyjwt", "crypto": "pycryptodome", "cryptodome": "pycryptodomex", "sklearn": "scikit-learn",
	"cv2": "opencv-python", "attr": "attrs", "dotenv": "python-dotenv", "magic": "python-magic",
	"openssl": "pyopenssl", "jose": "python-jose", "git": "gitpython", "docx": "python-docx",
	"multipart": "python-multipart", "google": "protobuf", "psycopg2": "psycopg2-binary",
	"mysqldb": "mysqlclient", "ldap": "python-ldap", "serial": "pyserial", "usb": "pyusb",
	"zmq": "pyzmq", "nacl": "pynacl", "pkg_resources": "setuptools", "fitz": "pymupdf",
	"slugify": "python-slugify", "socketio": "python-socketio", "engineio": "python-engineio",
	"telegram": "python-telegram-bot", "markdown": "markdown", "jinja2": "jinja2", "lxml": "lxml",
}

// Imported reports whether a package appears among a handler's imports,
// given as module names or paths in the form the ecosystem uses.
func Imported(eco, name string, imports []string) bool {
	switch eco {
	case "npm":
		for _, im := range imports {
			if p := npmPackageOf(im); p == name {
				return true
			}
		}
	case "PyPI":
		dist := vulndb.NormalizeName("PyPI", name)
		for _, im := range imports {
			top, _, _ := strings.Cut(im, ".")
			mod := vulndb.NormalizeName("PyPI", top)
			if d, ok := pyModuleDist[strings.ToLower(top)]; ok && vulndb.NormalizeName("PyPI", d) == dist {
				return true
			}
			if mod == dist || "python-"+mod == dist || "py"+mod == dist || mod+"-python" == dist || "py-"+mod == dist {
				return true
			}
		}
	case "Go":
		if name == "stdlib" {
			// Every Go binary links the runtime and much of the standard
			// library whatever it imports.
			return true
		}
		for _, im := range imports {
			if im == name || strings.HasPrefix(im, name+"/") {
				return true
			}
		}
	}
	return false
}
