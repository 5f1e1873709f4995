package rules

import (
	"fmt"

	"github.com/wardensec/warden/internal/analysis"
	"github.com/wardensec/warden/internal/code"
	"github.com/wardensec/warden/internal/model"
)

// Rules over what code analysis (internal/code) found in functions' code.
// They read model.Function.Code.Flows, so they report nothing when code
// analysis did not run (a build without cgo, code outside the root).

// injection defines one SAS-1 rule per sink class, so that each class can
// be documented, suppressed and counted on its own.
func injection(id, class, title, cwe, doc, fix, example string) *analysis.Rule {
	return register(&analysis.Rule{
		ID:       id,
		Title:    title,
		SAS:      "SAS-1",
		CWE:      []string{cwe},
		Severity: analysis.Critical,
		Doc: doc + "\n\nWarden follows data from the parts of the event that the function's triggers let an attacker write " +
			"(API body, query string, path parameters and headers; S3 object keys; SQS and SNS message bodies; DynamoDB stream images; " +
			"Cognito attributes) through assignments, string building, containers and calls into the project's own functions and modules. " +
			"The severity follows the trigger: a public unauthenticated route is critical, an authenticated one high, a queue, bucket or stream medium, " +
			"a schedule low. Each finding carries the path from source to sink.",
		Fix: fix,
		// The fix is in the function's code, the same whatever deploys it.
		Examples:   codeExamples(example),
		Frameworks: allFrameworks,
		Run:        func(p *analysis.Pass) { reportFlows(p, class) },
	})
}

var _ = injection("WAR-INJ-001", code.ClassCommand, "Event data reaches an OS command", "CWE-78",
	"Event data that reaches a shell (os.system, subprocess with shell=True or a command string, child_process.exec, spawn with shell) "+
		"lets the sender run commands in the function, with its role's permissions.",
	"Pass arguments as a list without a shell (subprocess.run([...]), execFile/spawn without shell), or quote them (shlex.quote); better, validate against an allowlist.",
	"# app.py\nsubprocess.run([\"convert\", shlex.quote(key), \"/tmp/out.png\"], check=True)")

var _ = injection("WAR-INJ-002", code.ClassCode, "Event data is evaluated as code", "CWE-94",
	"eval, exec, compile, Function, vm.run* and require/import() of names taken from the event run whatever the sender wrote, inside the function.",
	"Never evaluate event data. Parse it as data (json.loads, JSON.parse), and map names to code through a fixed table.",
	"// index.js\nconst handlers = { resize, crop };\nconst fn = handlers[action];\nif (!fn) return { statusCode: 400 };")

var _ = injection("WAR-INJ-003", code.ClassSQL, "Event data builds a database query", "CWE-89",
	"A SQL statement, DynamoDB expression or PartiQL statement built from event data by concatenation or formatting, and MongoDB queries with "+
		"$where or operator objects taken from the request, let the sender read or change other rows.",
	"Use parameterized queries (cursor.execute(sql, params), client.query(text, values)), ExpressionAttributeValues or boto3 Key/Attr conditions, and cast request values to strings before they reach a MongoDB query.",
	"# app.py\ncursor.execute(\"SELECT * FROM orders WHERE id = %s\", (order_id,))")

var _ = injection("WAR-INJ-004", code.ClassPath, "Event data chooses a file path", "CWE-22",
	"A path built from event data (open, os.path.join, fs.readFile, res.sendFile) can climb out of the intended directory with ../ and read or overwrite files in /tmp, the deployment package or the runtime.",
	"Reduce the name to its last element (os.path.basename, path.basename) or check the resolved path stays under the base directory.",
	"# app.py\nname = os.path.basename(event[\"pathParameters\"][\"name\"])\nwith open(os.path.join(\"/tmp/reports\", name)) as f:")

var _ = injection("WAR-INJ-005", code.ClassSSRF, "Event data chooses where the function sends a request", "CWE-918",
	"A URL whose scheme or host comes from event data lets the sender make the function call internal services and the "+
		"instance metadata endpoints with its network position and credentials. Data placed after a fixed scheme and host is not reported.",
	"Fix the scheme and host in code and put event data only in the path or query, or check the host against an allowlist.",
	"# app.py\nrequests.get(f\"https://api.example.com/users/{quote(user_id)}\", timeout=5)")

var _ = injection("WAR-INJ-006", code.ClassDeser, "Event data is deserialized unsafely", "CWE-502",
	"pickle, jsonpickle, marshal, yaml.load without a safe loader and node-serialize run code chosen by whoever wrote the serialized data.",
	"Use data-only formats: json.loads, yaml.safe_load, JSON.parse.",
	"# app.py\nconfig = yaml.safe_load(event[\"body\"])")

var _ = injection("WAR-INJ-007", code.ClassSSTI, "Event data is used as a template", "CWE-1336",
	"Compiling event data as a template (jinja2.Template, render_template_string, Environment.from_string, ejs/pug/handlebars compile) lets the sender run code through the template language.",
	"Load templates from files in the deployment package and pass event data only as template variables.",
	"# app.py\ntemplate = env.get_template(\"receipt.html\")\nhtml = template.render(name=body[\"name\"])")

var _ = injection("WAR-INJ-008", code.ClassXSS, "Event data is rendered as HTML without escaping", "CWE-79",
	"Go's text/template does not escape what it renders: event data passed to `Execute` or `ExecuteTemplate` of a text/template template "+
		"(`template.New(...).Parse`, `template.Must`, `ParseFiles`, `ParseFS`) comes out as markup, so a name like `<script>...</script>` runs in "+
		"the browser of whoever views the page, with their session. Event data converted to html/template's trusted-content types "+
		"(`template.HTML`, `HTMLAttr`, `JS`, `JSStr`, `CSS`, `URL`, `Srcset`) is the same: html/template inserts it as it is. "+
		"The finding is at the `Execute` call whatever the writer (the response, or a buffer returned later as the response body), except "+
		"os.Stdout and os.Stderr, which go to the function's logs. Data escaped with `html.EscapeString`, `template.HTMLEscapeString` or "+
		"bluemonday is not reported. Warden tells the two template packages apart by the package that made the template value, so a "+
		"template that reaches the handler in a way the analysis does not follow (a package variable assigned inside `init` or `main`, a "+
		"template passed in from another process) is not checked, and escaping done inside the template text (`{{.Name | html}}`) is not seen.",
	"Render HTML with html/template, which escapes each value for where it appears (text, attribute, URL, script) and has the same API as "+
		"text/template. Keep text/template for output that is not HTML, and convert only constant or sanitised markup to `template.HTML`.",
	"// main.go\nimport \"html/template\"\n\nvar page = template.Must(template.New(\"page\").Parse(pageHTML))\n\nerr := page.Execute(&buf, profile) // escaped for HTML")

var _ = register(&analysis.Rule{
	ID:       "WAR-ERR-001",
	Title:    "Exception details are returned in an HTTP response",
	SAS:      "SAS-10",
	CWE:      []string{"CWE-209"},
	Severity: analysis.Medium,
	Doc: "Exception messages, tracebacks and error objects sent back to the caller (`'body': str(e)`, `traceback.format_exc()`, `res.send(err.stack)`, " +
		"`JSON.stringify(err)`, `body: err.message`) show file paths, library versions, table names and sometimes data to whoever triggers the error, " +
		"which makes the next attack easier. Only functions behind HTTP routes or function URLs are checked; a public unauthenticated route rates medium, " +
		"an authenticated one low.",
	Fix:        "Log the exception (it reaches CloudWatch Logs) and return a generic message with a request ID the caller can quote.",
	Examples:   codeExamples("# app.py\nexcept Exception:\n    logger.exception(\"order failed\")\n    return {\"statusCode\": 500, \"body\": json.dumps({\"message\": \"internal error\", \"requestId\": context.aws_request_id})}"),
	Frameworks: allFrameworks,
	Run:        func(p *analysis.Pass) { reportFlows(p, code.ClassError) },
})

// codeExamples shows a code fix for each format family: the handler's code
// is the same whichever template deploys it.
func codeExamples(code string) []analysis.Example {
	return []analysis.Example{{Framework: model.SAM, Code: code}, {Framework: model.Serverless, Code: code}, {Framework: model.Terraform, Code: code}}
}

var _ = register(&analysis.Rule{
	ID:       "WAR-ERR-002",
	Title:    "Errors are swallowed without logging",
	SAS:      "SAS-5",
	CWE:      []string{"CWE-390"},
	Severity: analysis.Low,
	Doc: "A catch-all handler (`except Exception: pass`, `except: return None`, `catch (e) {}`) that neither logs, reports nor re-raises " +
		"hides failures and attack attempts from monitoring: nothing reaches CloudWatch Logs, metrics or alarms, and the function reports success. " +
		"Only handlers in code reachable from a function's handler are checked; a handler that calls anything named like logging, reporting or " +
		"re-raising counts as handled.",
	Fix:        "Log the exception with its stack trace (logger.exception, console.error) before returning, or let it propagate so that Lambda records the failure and retries or dead-letters the event.",
	Examples:   codeExamples("# app.py\nexcept Exception:\n    logger.exception(\"processing record %s failed\", record[\"messageId\"])\n    raise"),
	Frameworks: allFrameworks,
	Run:        func(p *analysis.Pass) { reportFlows(p, code.ClassSwallow) },
})

// reportFlows reports every flow of one class, rated by the function's most
// exposed trigger through which the source is attacker-controlled.
func reportFlows(p *analysis.Pass, class string) {
	for _, f := range functions(p) {
		if f.Code == nil {
			continue
		}
		for _, fl := range f.Code.Flows {
			if fl.Class != class || len(fl.Steps) == 0 {
				continue
			}
			sev, via, trig := flowExposure(f, fl)
			switch class {
			case code.ClassError:
				sev, via, trig = errorExposure(f)
			case code.ClassSwallow:
				sev, via, trig = analysis.Low, "", nil
			}
			sink := fl.Steps[len(fl.Steps)-1]
			steps := make([]analysis.Location, len(fl.Steps))
			for i, s := range fl.Steps {
				steps[i] = analysis.Location{Pos: s.Pos, Message: s.Message}
			}
			related := []analysis.Location{{Pos: fl.Steps[0].Pos, Message: "source: " + fl.Source}}
			if trig != nil {
				related = append(related, analysis.Location{Pos: trig.Pos, Message: "trigger: " + via})
			}
			var msg string
			switch class {
			case code.ClassError:
				msg = fmt.Sprintf("function %s returns exception details to the caller through %s", f.Name, fl.Sink)
			case code.ClassSwallow:
				msg = fmt.Sprintf("catch-all handler in function %s neither logs nor re-raises the error", f.Name)
				related = nil
			default:
				msg = fmt.Sprintf("%s reaches %s in function %s", fl.Source, fl.Sink, f.Name)
			}
			if via != "" {
				msg += " (" + via + ")"
			}
			p.Report(analysis.Finding{
				Pos: sink.Pos, Anchor: f.Pos, Severity: sev, Message: msg, Related: related,
				CodeFlows: [][]analysis.Location{steps}, FunctionID: f.ID,
				Subject: subject(f.ID, class, fl.Sink, fl.Source),
			})
		}
	}
}

// flowExposure rates a flow by the triggers that make its source
// attacker-controlled: public unauthenticated HTTP critical, authenticated
// HTTP high, queues, buckets and streams medium, schedules low. A function
// without triggers is invoked by other code: medium.
func flowExposure(f *model.Function, fl model.CodeFlow) (analysis.Severity, string, *model.Trigger) {
	trs := code.TriggersFor(f, fl.Source)
	if len(trs) == 0 {
		return analysis.Medium, "", nil
	}
	var best analysis.Severity
	var bestT *model.Trigger
	for _, t := range trs {
		s := triggerSeverity(t)
		if s > best {
			best, bestT = s, t
		}
	}
	return best, describeTrigger(bestT), bestT
}

func triggerSeverity(t *model.Trigger) analysis.Severity {
	switch t.Kind {
	case model.TriggerHTTP, model.TriggerWebSocket:
		if t.HasAuth() {
			return analysis.High
		}
		return analysis.Critical
	case model.TriggerSchedule:
		return analysis.Low
	}
	return analysis.Medium
}

func describeTrigger(t *model.Trigger) string {
	switch t.Kind {
	case model.TriggerHTTP, model.TriggerWebSocket:
		route := t.Type
		if t.Method.IsKnown() || t.Path.IsKnown() {
			route = fmt.Sprintf("%s %s %s", t.Type, t.Method.V, t.Path.V)
		}
		if t.HasAuth() {
			return route + ", authenticated"
		}
		return route + ", no authentication"
	case model.TriggerSchedule:
		return "schedule, not attacker-controlled"
	}
	if t.Type != "" {
		return string(t.Kind) + " trigger " + t.Type
	}
	return string(t.Kind) + " trigger"
}

// errorExposure rates an error disclosure by the function's HTTP entries:
// medium when anyone can call it, low behind authentication.
func errorExposure(f *model.Function) (analysis.Severity, string, *model.Trigger) {
	var entries []*model.Trigger
	if f.URL != nil {
		entries = append(entries, &model.Trigger{Kind: model.TriggerHTTP, Type: "FunctionURL", Pos: f.URL.Pos, AuthType: f.URL.AuthType})
	}
	for _, t := range f.Triggers {
		if t.IsHTTP() {
			entries = append(entries, t)
		}
	}
	var best *model.Trigger
	for _, t := range entries {
		if best == nil || best.HasAuth() && !t.HasAuth() {
			best = t
		}
	}
	if best == nil {
		return analysis.Low, "", nil
	}
	if best.HasAuth() {
		return analysis.Low, describeTrigger(best), best
	}
	return analysis.Medium, describeTrigger(best), best
}
