package code

import (
	"path"
	"strings"
)

// sinkSpec says which arguments of a library function reach a sink.
type sinkSpec struct {
	class string
	args  []int    // positional arguments checked
	kw    []string // keyword arguments checked
	all   bool     // every argument
}

func spec(class string, args ...int) sinkSpec { return sinkSpec{class: class, args: args} }

// pySinks are Python library functions, by qualified name.
var pySinks = map[string]sinkSpec{
	"eval": spec(ClassCode, 0), "exec": spec(ClassCode, 0), "compile": spec(ClassCode, 0),
	"os.system": spec(ClassCommand, 0), "os.popen": spec(ClassCommand, 0), "os.popen2": spec(ClassCommand, 0),
	"os.popen3": spec(ClassCommand, 0), "commands.getoutput": spec(ClassCommand, 0), "commands.getstatusoutput": spec(ClassCommand, 0),
	"subprocess.getoutput": spec(ClassCommand, 0), "subprocess.getstatusoutput": spec(ClassCommand, 0),
	"pickle.loads": spec(ClassDeser, 0), "pickle.load": spec(ClassDeser, 0), "cPickle.loads": spec(ClassDeser, 0),
	"_pickle.loads": spec(ClassDeser, 0), "jsonpickle.decode": spec(ClassDeser, 0), "marshal.loads": spec(ClassDeser, 0),
	"dill.loads": spec(ClassDeser, 0), "yaml.unsafe_load": spec(ClassDeser, 0), "shelve.open": spec(ClassDeser, 0),
	"sqlalchemy.text": spec(ClassSQL, 0), "sqlalchemy.sql.text": spec(ClassSQL, 0), "pandas.read_sql": spec(ClassSQL, 0),
	"pandas.read_sql_query": spec(ClassSQL, 0),
	"open":                  spec(ClassPath, 0), "io.open": spec(ClassPath, 0), "codecs.open": spec(ClassPath, 0), "os.open": spec(ClassPath, 0),
	"os.remove": spec(ClassPath, 0), "os.unlink": spec(ClassPath, 0), "os.rmdir": spec(ClassPath, 0), "os.listdir": spec(ClassPath, 0),
	"os.makedirs": spec(ClassPath, 0), "os.scandir": spec(ClassPath, 0), "shutil.rmtree": spec(ClassPath, 0),
	"shutil.copy": spec(ClassPath, 0, 1), "shutil.copyfile": spec(ClassPath, 0, 1), "shutil.move": spec(ClassPath, 0, 1),
	"pathlib.Path": spec(ClassPath, 0), "flask.send_file": spec(ClassPath, 0), "send_file": spec(ClassPath, 0),
	"requests.get": {class: ClassSSRF, args: []int{0}, kw: []string{"url"}}, "requests.post": {class: ClassSSRF, args: []int{0}, kw: []string{"url"}},
	"requests.put": {class: ClassSSRF, args: []int{0}, kw: []string{"url"}}, "requests.patch": {class: ClassSSRF, args: []int{0}, kw: []string{"url"}},
	"requests.delete": {class: ClassSSRF, args: []int{0}, kw: []string{"url"}}, "requests.head": {class: ClassSSRF, args: []int{0}, kw: []string{"url"}},
	"requests.request": {class: ClassSSRF, args: []int{1}, kw: []string{"url"}}, "requests.Session.get": spec(ClassSSRF, 0),
	"requests.Session.post": spec(ClassSSRF, 0), "urllib.request.urlopen": spec(ClassSSRF, 0), "urllib.request.Request": spec(ClassSSRF, 0),
	"urllib.urlopen": spec(ClassSSRF, 0), "urllib2.urlopen": spec(ClassSSRF, 0), "httpx.get": spec(ClassSSRF, 0), "httpx.post": spec(ClassSSRF, 0),
	"http.client.HTTPConnection": spec(ClassSSRF, 0), "http.client.HTTPSConnection": spec(ClassSSRF, 0), "urllib3.PoolManager.request": spec(ClassSSRF, 1),
	"jinja2.Template": spec(ClassSSTI, 0), "jinja2.Environment.from_string": spec(ClassSSTI, 0), "flask.render_template_string": spec(ClassSSTI, 0),
	"render_template_string": spec(ClassSSTI, 0), "mako.template.Template": spec(ClassSSTI, 0), "django.template.Template": spec(ClassSSTI, 0),
}

// jsSinks are Node.js library functions, by qualified name (module name
// plus member; "fs/promises" is "fs.promises").
var jsSinks = map[string]sinkSpec{
	"eval": spec(ClassCode, 0), "Function": {class: ClassCode, all: true}, "vm.runInContext": spec(ClassCode, 0),
	"vm.runInNewContext": spec(ClassCode, 0), "vm.runInThisContext": spec(ClassCode, 0), "vm.Script": spec(ClassCode, 0),
	"vm.compileFunction": spec(ClassCode, 0), "require": spec(ClassCode, 0), "import": spec(ClassCode, 0),
	"setTimeout": spec(ClassCode, 0), "setInterval": spec(ClassCode, 0),
	"child_process.exec": spec(ClassCommand, 0), "child_process.execSync": spec(ClassCommand, 0),
	"node-serialize.unserialize": spec(ClassDeser, 0), "serialize-to-js.deserialize": spec(ClassDeser, 0),
	"funcster.deepDeserialize": spec(ClassDeser, 0), "cryo.parse": spec(ClassDeser, 0),
	"axios": spec(ClassSSRF, 0), "axios.get": spec(ClassSSRF, 0), "axios.post": spec(ClassSSRF, 0), "axios.put": spec(ClassSSRF, 0),
	"axios.patch": spec(ClassSSRF, 0), "axios.delete": spec(ClassSSRF, 0), "axios.head": spec(ClassSSRF, 0), "axios.request": spec(ClassSSRF, 0),
	"fetch": spec(ClassSSRF, 0), "node-fetch": spec(ClassSSRF, 0), "got": spec(ClassSSRF, 0), "got.get": spec(ClassSSRF, 0),
	"got.post": spec(ClassSSRF, 0), "request": spec(ClassSSRF, 0), "request.get": spec(ClassSSRF, 0), "needle.get": spec(ClassSSRF, 0),
	"superagent.get": spec(ClassSSRF, 0), "superagent.post": spec(ClassSSRF, 0), "undici.request": spec(ClassSSRF, 0),
	"http.get": spec(ClassSSRF, 0), "http.request": spec(ClassSSRF, 0), "https.get": spec(ClassSSRF, 0), "https.request": spec(ClassSSRF, 0),
	"ejs.render": spec(ClassSSTI, 0), "ejs.compile": spec(ClassSSTI, 0), "pug.render": spec(ClassSSTI, 0), "pug.compile": spec(ClassSSTI, 0),
	"handlebars.compile": spec(ClassSSTI, 0), "lodash.template": spec(ClassSSTI, 0), "nunjucks.renderString": spec(ClassSSTI, 0),
	"dot.template": spec(ClassSSTI, 0), "doT.template": spec(ClassSSTI, 0),
}

// goSinks are Go standard library and common module functions, by import
// path and name.
var goSinks = map[string]sinkSpec{
	"os.Open": spec(ClassPath, 0), "os.OpenFile": spec(ClassPath, 0), "os.ReadFile": spec(ClassPath, 0), "os.WriteFile": spec(ClassPath, 0),
	"os.Create": spec(ClassPath, 0), "os.Remove": spec(ClassPath, 0), "os.RemoveAll": spec(ClassPath, 0), "os.ReadDir": spec(ClassPath, 0),
	"os.Mkdir": spec(ClassPath, 0), "os.MkdirAll": spec(ClassPath, 0), "os.Rename": spec(ClassPath, 0, 1),
	"io/ioutil.ReadFile": spec(ClassPath, 0), "io/ioutil.WriteFile": spec(ClassPath, 0), "net/http.ServeFile": spec(ClassPath, 2),
	"net/http.Get": spec(ClassSSRF, 0), "net/http.Post": spec(ClassSSRF, 0), "net/http.Head": spec(ClassSSRF, 0),
	"net/http.PostForm": spec(ClassSSRF, 0), "net/http.NewRequest": spec(ClassSSRF, 1), "net/http.NewRequestWithContext": spec(ClassSSRF, 2),
	"text/template.New.Parse": spec(ClassSSTI, 0), "html/template.New.Parse": spec(ClassSSTI, 0),
	"text/template.Must.Parse": spec(ClassSSTI, 0), "github.com/yuin/gopher-lua.NewState.DoString": spec(ClassCode, 0),
	"github.com/robertkrimen/otto.New.Run": spec(ClassCode, 0), "github.com/dop251/goja.New.RunString": spec(ClassCode, 0),
	"net/http.Error": {class: ClassError, args: []int{1}},
	// html/template escapes what it renders, except values converted to
	// its trusted-content types, which it inserts as they are.
	"html/template.HTML": spec(ClassXSS, 0), "html/template.HTMLAttr": spec(ClassXSS, 0), "html/template.JS": spec(ClassXSS, 0),
	"html/template.JSStr": spec(ClassXSS, 0), "html/template.CSS": spec(ClassXSS, 0), "html/template.URL": spec(ClassXSS, 0),
	"html/template.Srcset": spec(ClassXSS, 0),
}

var sqlMethodsGo = map[string]bool{"Query": true, "QueryRow": true, "Exec": true, "Prepare": true, "Raw": true,
	"QueryContext": true, "QueryRowContext": true, "ExecContext": true, "PrepareContext": true, "Select": true, "Get": true}

var fsPathFuncs = []string{"readFile", "readFileSync", "writeFile", "writeFileSync", "appendFile", "appendFileSync",
	"createReadStream", "createWriteStream", "unlink", "unlinkSync", "rm", "rmSync", "rmdir", "rmdirSync", "readdir",
	"readdirSync", "open", "openSync", "mkdir", "mkdirSync", "access", "accessSync", "stat", "statSync", "lstat",
	"lstatSync", "existsSync", "readJson", "readJsonSync", "outputFile", "remove", "removeSync", "copy", "copyFile",
	"copyFileSync", "rename", "renameSync", "truncate", "chmod", "symlink"}

func init() {
	for _, m := range []string{"fs", "fs.promises", "fs-extra", "graceful-fs"} {
		for _, f := range fsPathFuncs {
			s := spec(ClassPath, 0)
			if strings.HasPrefix(f, "copy") || strings.HasPrefix(f, "rename") || f == "symlink" {
				s = spec(ClassPath, 0, 1)
			}
			jsSinks[m+"."+f] = s
		}
	}
}

var sqlMethodsPy = map[string]bool{"execute": true, "executemany": true, "executescript": true, "mogrify": true}
var sqlMethodsJS = map[string]bool{"query": true, "execute": true, "raw": true, "whereRaw": true, "orWhereRaw": true,
	"havingRaw": true, "orderByRaw": true, "joinRaw": true, "unsafe": true, "$queryRawUnsafe": true, "$executeRawUnsafe": true}
var mongoMethods = map[string]bool{"find": true, "findOne": true, "findOneAndUpdate": true, "findOneAndDelete": true,
	"findOneAndReplace": true, "updateOne": true, "updateMany": true, "deleteOne": true, "deleteMany": true,
	"countDocuments": true, "count": true, "distinct": true}
var respSendMethods = map[string]bool{"send": true, "json": true, "end": true, "write": true, "jsonp": true}
var subprocessFuncs = map[string]bool{"run": true, "call": true, "check_call": true, "check_output": true, "Popen": true}
var spawnFuncs = map[string]bool{"spawn": true, "spawnSync": true, "execFile": true, "execFileSync": true, "fork": true}

// checkSinks reports the call if tainted data reaches one of its sink
// arguments.
func (a *analyzer) checkSinks(s *sinkCall) {
	q, m := s.q, s.method
	table := pySinks
	if s.js {
		table = jsSinks
	}
	if s.lang == "go" {
		table = goSinks
	}
	if sp, ok := table[q]; ok {
		a.checkSpec(s, q, sp)
	}
	// Keyword and object-literal DynamoDB expressions, on any call.
	if len(s.kw) > 0 {
		a.dynamo(s, s.kw)
	}
	for _, v := range s.args {
		if v != nil && v.fields != nil {
			a.dynamo(s, v.fields)
		}
	}
	if s.lang == "go" {
		a.goSinks(s)
		return
	}
	if !s.js {
		mod, fn := splitQ(q)
		switch {
		case mod == "subprocess" && subprocessFuncs[fn]:
			shell := s.kw["shell"]
			cmd := s.argOrKw(0, "args")
			if shell != nil {
				if t, known := shell.truth(); !known || t {
					a.report(ClassCommand, q+"(shell=True)", s.pos, cmd)
					return
				}
			}
			if cmd != nil && cmd.seq {
				cmd = cmd.fields["0"]
			}
			a.report(ClassCommand, q, s.pos, cmd)
		case q == "yaml.load" || q == "yaml.load_all":
			loader := s.argOrKw(1, "Loader")
			if loader == nil || !(strings.HasSuffix(loader.q, "SafeLoader") || strings.HasSuffix(loader.q, "BaseLoader")) {
				a.report(ClassDeser, q, s.pos, s.arg(0))
			}
		}
		if s.recv != nil && m != "" {
			switch {
			case sqlMethodsPy[m] && !isModuleQ(s.recv):
				a.report(ClassSQL, m, s.pos, s.argOrKw(0, "operation"))
			case m == "from_string":
				a.report(ClassSSTI, m, s.pos, s.argOrKw(0, "source"))
			case m == "execute_statement" || m == "batch_execute_statement":
				a.report(ClassSQL, "DynamoDB PartiQL Statement", s.pos, s.kw["Statement"])
			}
		}
		return
	}
	mod, fn := splitQ(q)
	if mod == "child_process" && spawnFuncs[fn] {
		shell := false
		for _, v := range s.args {
			if v != nil && v.fields != nil {
				if sh := v.fields["shell"]; sh != nil {
					if t, known := sh.truth(); !known || t {
						shell = true
					}
				}
			}
		}
		prog, _ := s.arg(0).str()
		argv := s.arg(1)
		switch {
		case shell:
			a.report(ClassCommand, q+" with shell", s.pos, derive(s.arg(0), argv))
		case isShell(prog) && argv != nil && argv.seq && hasDashC(argv):
			// execFile('/bin/sh', ['-c', cmd]) is a shell too.
			a.report(ClassCommand, q+" through "+prog+" -c", s.pos, argv)
		default:
			a.report(ClassCommand, q, s.pos, s.arg(0))
		}
	}
	if s.recv == nil || m == "" {
		if s.call.New && q == "Function" {
			return
		}
		return
	}
	switch {
	case s.recv.resp && respSendMethods[m]:
		a.report(ClassError, "res."+m, s.pos, derive(s.args...))
	case s.recv.resp && (m == "sendFile" || m == "download"):
		a.report(ClassPath, "res."+m, s.pos, s.arg(0))
	case sqlMethodsJS[m] && !isModuleQ(s.recv):
		if v := s.arg(0); v != nil && v.fields == nil {
			a.report(ClassSQL, m, s.pos, v)
		}
	case mongoMethods[m] && !isModuleQ(s.recv):
		if v := s.arg(0); v != nil {
			if v.fields == nil {
				if v.parsed && !v.built {
					a.report(ClassSQL, "MongoDB "+m+" with a query object from the request", s.pos, v)
				}
				return
			}
			for _, f := range v.fields {
				if f.parsed && !f.built && f.tainted() {
					a.report(ClassSQL, "MongoDB "+m+" with an operator object from the request", s.pos, f)
				}
			}
		}
	}
}

func (a *analyzer) checkSpec(s *sinkCall, q string, sp sinkSpec) {
	if sp.all {
		a.report(sp.class, q, s.pos, derive(s.args...))
		return
	}
	for _, i := range sp.args {
		v := s.arg(i)
		// Object forms: axios({url}), http.request({host}).
		if v != nil && v.fields != nil && sp.class == ClassSSRF {
			for _, k := range []string{"url", "host", "hostname", "baseURL"} {
				if f := v.fields[k]; f != nil {
					a.report(sp.class, q, s.pos, f)
				}
			}
			continue
		}
		a.report(sp.class, q, s.pos, v)
	}
	for _, k := range sp.kw {
		a.report(sp.class, q, s.pos, s.kw[k])
	}
}

// isModuleQ reports whether the receiver is a known library module whose
// execute/query member is not a database call.
func isModuleQ(v *val) bool {
	switch normQ(v.q) {
	case "os", "subprocess", "re", "querystring", "url", "fs", "path":
		return true
	}
	return false
}

func splitQ(q string) (mod, fn string) {
	i := strings.LastIndexByte(q, '.')
	if i < 0 {
		return "", q
	}
	return q[:i], q[i+1:]
}

// goSinks handles the Go sinks that depend on their arguments or receiver:
// exec.Command through a shell, database/sql (and sqlx, gorm) queries, and
// template execution.
func (a *analyzer) goSinks(s *sinkCall) {
	a.templateExec(s)
	switch s.q {
	case "os/exec.Command", "os/exec.CommandContext":
		args := s.args
		if s.q == "os/exec.CommandContext" && len(args) > 0 {
			args = args[1:]
		}
		if len(args) == 0 {
			return
		}
		prog, _ := args[0].str()
		if len(args) > 2 && isShell(prog) {
			if flag, _ := args[1].str(); flag == "-c" {
				a.report(ClassCommand, s.q+" through "+prog+" -c", s.pos, args[2])
				return
			}
		}
		a.report(ClassCommand, s.q, s.pos, args[0])
		return
	}
	if s.recv == nil || s.method == "" || s.recv.q != "" && !strings.HasSuffix(s.recv.q, "()") {
		return
	}
	if sqlMethodsGo[s.method] {
		i := 0
		if strings.HasSuffix(s.method, "Context") || s.method == "Select" || s.method == "Get" {
			i = 1
		}
		if v := s.arg(i); v != nil && v.fields == nil {
			a.report(ClassSQL, s.method, s.pos, v)
		}
	}
}

func isShell(p string) bool {
	switch path.Base(p) {
	case "sh", "bash", "zsh", "dash", "ash", "ksh":
		return true
	}
	return false
}

// hasDashC reports whether an argument list literal holds "-c".
func hasDashC(v *val) bool {
	for _, f := range v.fields {
		if s, ok := f.str(); ok && s == "-c" {
			return true
		}
	}
	return false
}

// templatePackage names the template package a value was made by, from
// where it came from (its q: "text/template.Must()",
// "html/template.New().Parse()"), or "" when it is not a template.
func templatePackage(v *val) string {
	if v == nil {
		return ""
	}
	for _, p := range []string{"text/template", "html/template"} {
		if strings.HasPrefix(v.q, p+".") && strings.HasSuffix(v.q, "()") {
			return p
		}
	}
	return ""
}

// processStreams are writers whose output goes to the function's logs,
// never to a browser.
var processStreams = map[string]bool{"os.Stdout": true, "os.Stderr": true, "io.Discard": true, "io/ioutil.Discard": true}

// templateExec models Template.Execute(w, data) and
// Template.ExecuteTemplate(w, name, data). A text/template template does
// not escape what it renders, so event data in data is cross-site
// scripting wherever the output is served as HTML; the finding sits at the
// call, whatever the writer (a response writer, or a buffer returned as
// the response body later), except the process's own streams. The
// rendered data also flows into the writer, so a buffer filled by Execute
// carries it on: html/template's output is escaped, hence cleared for
// this class only.
func (a *analyzer) templateExec(s *sinkCall) {
	if s.recv == nil {
		return
	}
	i := 0
	switch s.method {
	case "Execute":
		i = 1
	case "ExecuteTemplate":
		i = 2
	default:
		return
	}
	pkg := templatePackage(s.recv)
	if pkg == "" {
		return
	}
	data := s.arg(i)
	w := s.arg(0)
	if pkg == "text/template" && (w == nil || !processStreams[w.q]) {
		a.report(ClassXSS, "text/template Template."+s.method, s.pos, data)
	}
	if w == nil || w.ev != nil || !data.tainted() {
		return
	}
	out := data.withStep(s.pos, "rendered by "+pkg+" into the writer")
	if pkg == "html/template" {
		out = out.clear(mXSS)
	}
	w.taints = addTaints(w.taints, out.taints...)
}
