package terraform

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardensec/warden/internal/load"
	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

func TestAzureFunctionApps(t *testing.T) {
	app := loadDir(t, "azure", nil)
	const file = "azure/main.tf"
	cases := []struct {
		id      string
		runtime string
		attrs   map[string]string
	}{
		{"azure/main.tf#azurerm_linux_function_app.api", "python|3.11", map[string]string{
			model.AttrHTTPSOnly: "false", model.AttrMinTLS: "1.0", model.AttrFTPSState: "AllAllowed",
			model.AttrAuthEnabled: "false", model.AttrManagedIdentity: "SystemAssigned", model.AttrClientCertMode: "Optional",
			model.AttrPublicNetwork: "true", model.AttrRegion: "westeurope"}},
		{"azure/main.tf#azurerm_windows_function_app.jobs", "", map[string]string{
			model.AttrHTTPSOnly: "true", model.AttrMinTLS: "1.2", model.AttrFTPSState: "Disabled", model.AttrAuthEnabled: "true",
			model.AttrRegion: "northeurope"}},
		{"azure/main.tf#azurerm_function_app.old", "node", map[string]string{model.AttrMinTLS: "1.1"}},
	}
	for _, c := range cases {
		f := findFn(t, app, c.id)
		if f.Provider != model.Azure {
			t.Errorf("%s provider %s", c.id, f.Provider)
		}
		if c.runtime != "" {
			known(t, c.id+" runtime", f.Runtime, c.runtime, file, 0)
		}
		for k, want := range c.attrs {
			v := f.Attr(k)
			if !v.IsKnown() || v.V != want || v.Pos.File != file || v.Pos.Line == 0 {
				t.Errorf("%s %s = %s at %s, want %q", c.id, k, v.String(), v.Pos, want)
			}
		}
	}
	f := findFn(t, app, "azure/main.tf#azurerm_linux_function_app.api")
	known(t, "tls line", f.Attr(model.AttrMinTLS), "1.0", file, lineOf(t, file, "", "minimum_tls_version"))
	env := map[string]model.EnvVar{}
	for _, e := range f.Environment {
		env[e.Name] = e
	}
	if kv := env["DB_PASSWORD"]; !kv.Value.IsUnknown() || !kv.Value.External || !strings.Contains(kv.Value.Expr, "@Microsoft.KeyVault") ||
		kv.Pos.Line != lineOf(t, file, "", "DB_PASSWORD") {
		t.Errorf("Key Vault reference = %+v", kv)
	}
	known(t, "plain setting", env["API_TOKEN"].Value, "plaintext-token-123", file, lineOf(t, file, "", "API_TOKEN"))
}

func TestGCPFunctions(t *testing.T) {
	app := loadDir(t, "gcp", nil)
	const file = "gcp/main.tf"
	hello := findFn(t, app, "gcp/main.tf#google_cloudfunctions_function.hello")
	known(t, "runtime", hello.Runtime, "python312", file, 0)
	known(t, "entry point", hello.Handler, "hello", file, lineOf(t, file, `"hello"`, "entry_point"))
	known(t, "memory", hello.MemoryMB, "256", file, 0)
	known(t, "max instances", hello.ReservedConc, "10", file, 0)
	known(t, "code from archive_file", hello.CodePath, "gcp/src", file, 0)
	known(t, "ingress", hello.Attr(model.AttrIngressSettings), "ALLOW_ALL", file, 0)
	known(t, "security level", hello.Attr(model.AttrSecurityLevel), "SECURE_OPTIONAL", file, 0)
	known(t, "service account", hello.Attr(model.AttrServiceAccount), "fn@acme.iam.gserviceaccount.com", file, 0)
	if len(hello.Triggers) != 1 {
		t.Fatalf("hello triggers = %+v", hello.Triggers)
	}
	// allUsers holds the invoker role: the HTTP trigger is public, and the
	// auth value points at the IAM member that made it so.
	known(t, "public http", hello.Triggers[0].AuthType, model.AuthNone, file, lineOf(t, file, "", `member         = "allUsers"`))
	var secret *model.EnvVar
	for i := range hello.Environment {
		if hello.Environment[i].Name == "DB_PASSWORD" {
			secret = &hello.Environment[i]
		}
	}
	if secret == nil || !secret.Value.IsUnknown() || !secret.Value.External {
		t.Errorf("secret env = %+v", secret)
	}
	up := findFn(t, app, "gcp/main.tf#google_cloudfunctions_function.onupload")
	if len(up.Triggers) != 1 || up.Triggers[0].Kind != model.TriggerStorage || up.Triggers[0].Source.V != "acme-uploads" {
		t.Errorf("storage trigger = %+v", up.Triggers)
	}
	unknown(t, "bucket code", up.CodePath, "upload.zip")

	api := findFn(t, app, "gcp/main.tf#google_cloudfunctions2_function.api")
	known(t, "gen2 runtime", api.Runtime, "go122", file, 0)
	known(t, "gen2 memory", api.MemoryMB, "512", file, 0)
	known(t, "gen2 max", api.ReservedConc, "3", file, 0)
	known(t, "gen2 ingress", api.Attr(model.AttrIngressSettings), "ALLOW_INTERNAL_ONLY", file, 0)
	known(t, "gen2 region", api.Attr(model.AttrRegion), "europe-west1", file, 0)
	if len(api.Triggers) != 1 || !api.Triggers[0].AuthType.Is(model.AuthNone) {
		t.Errorf("gen2 http trigger after run.invoker to allAuthenticatedUsers = %+v", api.Triggers)
	}
	ev := findFn(t, app, "gcp/main.tf#google_cloudfunctions2_function.events")
	if len(ev.Triggers) != 1 || ev.Triggers[0].Kind != model.TriggerTopic {
		t.Errorf("pubsub trigger = %+v", ev.Triggers)
	}
	var n int
	for _, p := range app.Permissions {
		if p.Provider != model.GCP || p.FunctionID == "" || !p.Role.IsKnown() {
			t.Errorf("permission = %+v", p)
		}
		if p.FunctionID == ev.ID {
			n++
		}
	}
	if len(app.Permissions) != 4 || n != 2 {
		t.Errorf("permissions = %d (binding members %d)", len(app.Permissions), n)
	}
}

func TestTerraformJSON(t *testing.T) {
	app := loadDir(t, "json", nil)
	const file = "json/main.tf.json"
	f := findFn(t, app, "json/main.tf.json#aws_lambda_function.fn")
	known(t, "name", f.FunctionName, "json-dev", file, lineOf(t, file, "", `"function_name": "json`))
	known(t, "tracing", f.Tracing, "PassThrough", file, 0)
	if f.RoleID != "json/main.tf.json#aws_iam_role.fn" {
		t.Errorf("role = %q", f.RoleID)
	}
	if f.URL == nil || !f.URL.AuthType.Is(model.AuthIAM) {
		t.Errorf("url = %+v", f.URL)
	}
	if len(f.Environment) != 1 || f.Environment[0].Value.V != "json" {
		t.Errorf("env = %+v", f.Environment)
	}
	r := findRole(t, app, "json/main.tf.json#aws_iam_role.fn")
	if r.AssumeRolePolicy == nil || len(r.AssumeRolePolicy.Statements) != 1 || r.AssumeRolePolicy.Statements[0].Principals["Service"][0].V != "lambda.amazonaws.com" {
		t.Errorf("assume role policy from a JSON string = %+v", r.AssumeRolePolicy)
	}
}

func TestHostile(t *testing.T) {
	app := loadDir(t, "hostile", nil)
	const file = "hostile/main.tf"
	for _, c := range []struct {
		file       string
		line       int
		code, text string
	}{
		{"hostile/broken.tf", lineOf(t, "hostile/broken.tf", "", `name = "broken`), "parse", "multi-line string"},
		{"hostile/bad.tf.json", 1, "parse", "JSON value"},
		{file, lineOf(t, file, "", "a = local.b"), "unresolved", "cycle"},
		{file, lineOf(t, file, "", "nosuch_function"), "unresolved", "nosuch_function"},
		{file, lineOf(t, file, "", "var.undeclared"), "unresolved", "undeclared"},
		{file, lineOf(t, file, "", "etc/passwd"), "outside-root", "outside the scanned root"},
		{file, lineOf(t, file, `module "escape"`, "source"), "outside-root", "outside the scanned root"},
		{file, lineOf(t, file, `module "git"`, "source"), "unresolved", "not a local path"},
		{file, lineOf(t, file, "", `module "self"`), "limit", "includes itself"},
		{file, lineOf(t, file, "", `variable "names"`), "unresolved", "no default"},
		{"hostile/main_override.tf", 1, "unsupported", "declared more than once"},
	} {
		hasDiag(t, app, c.file, c.line, c.code, c.text)
	}
	// The rest still loads.
	ok := findFn(t, app, "hostile/main.tf#aws_lambda_function.ok")
	known(t, "name", ok.FunctionName, "still-loaded", file, 0)
	unknown(t, "escaping code path", ok.CodePath, "etc/passwd")
	each := findFn(t, app, "hostile/main.tf#aws_lambda_function.each")
	unknown(t, "unknown for_each", each.Deployed, "var.names")
	findRes(t, app, "hostile/broken.tf#aws_s3_bucket.half")
	files := map[string]*model.File{}
	for _, f := range app.Files {
		files[f.Path] = f
	}
	if files["hostile/broken.tf"] == nil || files["hostile/broken.tf"].Parsed || files["hostile/bad.tf.json"].Parsed || !files[file].Parsed {
		t.Errorf("files = %v", app.Files)
	}
	if files[file].Unresolved == 0 {
		t.Error("unresolved values not counted")
	}
}

func TestUnreadableFiles(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(outside, "secret.tf"), []byte(`resource "aws_sqs_queue" "x" {}`), 0o600))
	must(os.Symlink(filepath.Join(outside, "secret.tf"), filepath.Join(dir, "link.tf")))
	must(os.WriteFile(filepath.Join(dir, "bin.tf"), []byte("resource\x00"), 0o600))
	must(os.WriteFile(filepath.Join(dir, "ok.tf"), []byte("resource \"aws_sns_topic\" \"t\" {\n  name = \"t\"\n}\n"), 0o600))
	root, err := source.Open(dir)
	must(err)
	defer root.Close()
	u := load.Unit{Kind: load.KindTerraform, Dir: ".", Files: []string{"bin.tf", "link.tf", "missing.tf", "ok.tf", "../escape.tf"}}
	app := load.Safely(context.Background(), Loader{}, root, u, load.Options{})
	hasDiag(t, app, "link.tf", 0, "outside-root", "cannot read")
	hasDiag(t, app, "missing.tf", 0, "read", "cannot read")
	hasDiag(t, app, "bin.tf", 0, "read", "binary")
	hasDiag(t, app, "../escape.tf", 0, "outside-root", "cannot read")
	if len(app.Files) != 5 {
		t.Errorf("files = %d, want every file listed", len(app.Files))
	}
	if len(app.Resources) != 1 || app.Resources[0].ID != "ok.tf#aws_sns_topic.t" {
		t.Errorf("resources = %+v", app.Resources)
	}
}

func TestLocalsAndFunctions(t *testing.T) {
	dir := t.TempDir()
	src := `
variable "env" {
  default = { a = "1" }
}
locals {
  z = join("-", [local.y, "z"])
  y = format("%s-%s", lower(local.x), lookup(var.env, "a", "0"))
  x = upper(concat(["A"], ["b"])[1])
  t = try(var.env.missing, "fallback")
  f = templatefile("x.tpl", { name = "w" })
}
resource "aws_lambda_function" "z" {
  function_name = local.z
}
resource "aws_lambda_function" "t" {
  function_name = local.t
}
resource "aws_lambda_function" "f" {
  function_name = local.f
}
resource "aws_lambda_function" "m" {
  function_name = file("missing.txt")
  role          = aws_iam_role.r.arn
}
resource "aws_iam_role" "r" {
  name = "r"
}
resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.r.id
  policy = file("${path.module}/policy.json")
}
`
	policy := `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["kms:Decrypt"],
      "Resource": "*"
    }
  ]
}
`
	for name, body := range map[string]string{"main.tf": src, "x.tpl": "hello-${name}", "policy.json": policy} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	app := Loader{}.Load(context.Background(), root, load.Unit{Kind: load.KindTerraform, Dir: ".", Files: []string{"main.tf"}}, load.Options{})
	// Locals are evaluated in dependency order, not file order.
	known(t, "chained locals", findFn(t, app, "main.tf#aws_lambda_function.z").FunctionName, "b-1-z", "main.tf", 13)
	known(t, "try", findFn(t, app, "main.tf#aws_lambda_function.t").FunctionName, "fallback", "main.tf", 0)
	known(t, "templatefile", findFn(t, app, "main.tf#aws_lambda_function.f").FunctionName, "hello-w", "main.tf", 0)
	unknown(t, "missing file", findFn(t, app, "main.tf#aws_lambda_function.m").FunctionName, "missing.txt")
	hasDiag(t, app, "main.tf", 22, "unresolved", "missing.txt")
	if len(app.Diagnostics) != 1 {
		t.Errorf("diagnostics: %v", app.Diagnostics)
	}
	// A policy in its own file keeps that file's positions.
	r := findRole(t, app, "main.tf#aws_iam_role.r")
	if len(r.Policies) != 1 || len(r.Policies[0].Statements) != 1 {
		t.Fatalf("policies = %+v", r.Policies)
	}
	known(t, "action from policy.json", r.Policies[0].Statements[0].Actions[0], "kms:Decrypt", "policy.json", 6)
}

func TestBoundedFunctions(t *testing.T) {
	dir := t.TempDir()
	src := `
locals {
  big  = length(range(1000000000))
  wide = format("%999999999d", 1)
  ok   = format("%03d-%s", 7, join(",", [for i in range(3) : tostring(i)]))
}
resource "aws_lambda_function" "big" {
  function_name = local.big
}
resource "aws_lambda_function" "wide" {
  function_name = local.wide
}
resource "aws_lambda_function" "ok" {
  function_name = local.ok
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	app := Loader{}.Load(context.Background(), root, load.Unit{Kind: load.KindTerraform, Dir: ".", Files: []string{"main.tf"}}, load.Options{})
	unknown(t, "range(1e9)", findFn(t, app, "main.tf#aws_lambda_function.big").FunctionName, "local.big")
	unknown(t, "wide format", findFn(t, app, "main.tf#aws_lambda_function.wide").FunctionName, "local.wide")
	known(t, "small format", findFn(t, app, "main.tf#aws_lambda_function.ok").FunctionName, "007-0,1,2", "main.tf", 0)
}

func TestModuleOutsideRootModuleDir(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"infra/main.tf": `
resource "aws_iam_role" "r" {
  name = "r"
}
module "shared" {
  source = "../shared"
  role   = aws_iam_role.r.arn
}
resource "aws_lambda_permission" "p" {
  function_name = module.shared.fn_arn
  principal     = "events.amazonaws.com"
}
resource "aws_lambda_function" "c" {
  count         = 1
  function_name = "c"
}
resource "aws_lambda_permission" "q" {
  function_name = aws_lambda_function.c[0].arn
  principal     = "sns.amazonaws.com"
}
`,
		"shared/main.tf": `
variable "role" {}
resource "aws_lambda_function" "f" {
  function_name = "shared-f"
  filename      = "${path.module}/f.zip"
  role          = var.role
}
output "fn_arn" {
  value = aws_lambda_function.f.arn
}
`,
	}
	for p, src := range files {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	app := Loader{}.Load(context.Background(), root, load.Unit{Kind: load.KindTerraform, Dir: "infra", Files: []string{"infra/main.tf"}}, load.Options{})
	f := findFn(t, app, "shared/main.tf#module.shared.aws_lambda_function.f")
	known(t, "path.module of a sibling module", f.CodePath, "shared/f.zip", "shared/main.tf", 5)
	if f.RoleID != "infra/main.tf#aws_iam_role.r" {
		t.Errorf("role through module argument = %q", f.RoleID)
	}
	c := findFn(t, app, "infra/main.tf#aws_lambda_function.c")
	known(t, "count = 1", c.Deployed, "true", "infra/main.tf", 14)
	got := map[string]string{}
	for _, p := range app.Permissions {
		got[p.ID] = p.FunctionID
	}
	if got["infra/main.tf#aws_lambda_permission.p"] != f.ID {
		t.Errorf("permission through module output -> %q", got["infra/main.tf#aws_lambda_permission.p"])
	}
	if got["infra/main.tf#aws_lambda_permission.q"] != c.ID {
		t.Errorf("permission through c[0] -> %q", got["infra/main.tf#aws_lambda_permission.q"])
	}
	seen := map[string]bool{}
	for _, fl := range app.Files {
		seen[fl.Path] = fl.Parsed
	}
	if !seen["shared/main.tf"] {
		t.Errorf("module file not listed as parsed: %v", seen)
	}
}

func TestEnvVarsAndDynamicBlocks(t *testing.T) {
	dir := t.TempDir()
	src := `variable "stage" {
  default = "dev"
}
variable "mem" {
  type = number
}
resource "aws_lambda_function" "f" {
  function_name = "fn-${var.stage}"
  memory_size   = var.mem

  dynamic "environment" {
    for_each = [1]
    content {
      variables = { A = "b" }
    }
  }
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	root, err := source.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	env := func(k string) (string, bool) {
		v, ok := map[string]string{"TF_VAR_stage": "env", "TF_VAR_mem": "512"}[k]
		return v, ok
	}
	u := load.Unit{Kind: load.KindTerraform, Dir: ".", Files: []string{"main.tf"}}
	app := Loader{}.Load(context.Background(), root, u, load.Options{Env: env})
	f := findFn(t, app, "main.tf#aws_lambda_function.f")
	known(t, "TF_VAR_stage", f.FunctionName, "fn-env", "main.tf", 8)
	known(t, "TF_VAR_mem as a number", f.MemoryMB, "512", "main.tf", 9)
	hasDiag(t, app, "main.tf", 11, "unsupported", "dynamic")
	// --var wins over the environment.
	app = Loader{}.Load(context.Background(), root, u, load.Options{Env: env, Vars: map[string]string{"stage": "flag"}})
	known(t, "--var", findFn(t, app, "main.tf#aws_lambda_function.f").FunctionName, "fn-flag", "main.tf", 8)
}
