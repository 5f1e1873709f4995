package terraform

import (
	"strconv"
	"strings"

	"github.com/wardensec/warden/internal/model"
)

// azureFunctionApp models an Azure function app as one Function: the
// Terraform resource carries the app-wide settings (TLS, HTTPS, auth,
// identity, app settings) that rules check, while the individual functions
// and their triggers live in function.json files that the azurefunc loader
// reads. Joining the two would need the app's deployment package layout,
// which Terraform does not describe.
func (in *inst) azureFunctionApp() {
	l := in.m.l
	b := in.rb.body
	f := in.newFunction(model.Azure, "name")
	in.nameIt(f.FunctionName)
	setIf(f.SetAttr, model.AttrRegion, in.a("location"))
	setIf(f.SetAttr, model.AttrHTTPSOnly, in.a("https_only"))
	setIf(f.SetAttr, model.AttrClientCertMode, in.a("client_certificate_mode"))
	setIf(f.SetAttr, model.AttrPublicNetwork, in.a("public_network_access_enabled"))
	if sc, ok := b.first("site_config"); ok {
		tls := in.attrVal(sc, "minimum_tls_version")
		if tls.IsAbsent() {
			tls = in.attrVal(sc, "min_tls_version")
		}
		if tls.IsSet() {
			f.SetAttr(model.AttrMinTLS, tls)
		}
		if v := in.attrVal(sc, "ftps_state"); v.IsSet() {
			f.SetAttr(model.AttrFTPSState, v)
		}
		if as, ok := sc.first("application_stack"); ok {
			for _, k := range []string{"python_version", "node_version", "dotnet_version", "java_version",
				"powershell_core_version", "use_custom_runtime"} {
				if v := in.attrVal(as, k); v.IsSet() {
					if v.IsKnown() {
						v.V = strings.TrimSuffix(k, "_version") + "|" + v.V
					}
					f.Runtime = v
					break
				}
			}
		}
		if v := in.attrVal(sc, "linux_fx_version"); v.IsSet() && f.Runtime.IsAbsent() {
			f.Runtime = v
		}
	}
	auth := in.blockVal(b, "auth_settings", "enabled")
	if auth.IsAbsent() {
		auth = in.blockVal(b, "auth_settings_v2", "auth_enabled")
	}
	if auth.IsSet() {
		f.SetAttr(model.AttrAuthEnabled, auth)
	}
	if ib, ok := b.first("identity"); ok {
		f.SetAttr(model.AttrManagedIdentity, in.attrVal(ib, "type"))
	}
	kvs, _, ok := in.mapAttr(b, "app_settings")
	if !ok {
		l.diag(in.pos, model.DiagInfo, "unresolved", "%s: app_settings are computed; their names and values are unknown", in.name())
	}
	for _, e := range kvs {
		v := e.val
		if v.IsKnown() && strings.HasPrefix(strings.TrimSpace(v.V), "@Microsoft.KeyVault(") {
			// Resolved by the platform from Key Vault at run time.
			expr := v.V
			v = model.Unresolved(expr, v.Pos)
			v.External = true
			l.unresolved(v.Pos)
		}
		if e.key == "FUNCTIONS_WORKER_RUNTIME" && f.Runtime.IsAbsent() && v.IsKnown() {
			f.Runtime = v
		}
		f.Environment = append(f.Environment, model.EnvVar{Name: e.key, Value: v, Pos: e.pos})
	}
}

// gcpFunction models a 1st gen Cloud Function.
func (in *inst) gcpFunction() {
	b := in.rb.body
	f := in.newFunction(model.GCP, "name")
	f.Runtime = in.a("runtime")
	f.Handler = in.a("entry_point")
	f.MemoryMB = in.a("available_memory_mb")
	f.TimeoutSec = in.a("timeout")
	// max_instances caps concurrency the way reserved concurrency does on
	// Lambda, which is what rules about runaway scaling look at.
	f.ReservedConc = in.a("max_instances")
	setIf(f.SetAttr, model.AttrRegion, in.a("region"))
	setIf(f.SetAttr, model.AttrIngressSettings, in.a("ingress_settings"))
	setIf(f.SetAttr, model.AttrSecurityLevel, in.a("https_trigger_security_level"))
	setIf(f.SetAttr, model.AttrServiceAccount, in.a("service_account_email"))
	if v := in.a("vpc_connector"); v.IsSet() {
		f.VPC = &model.VPCConfig{Pos: v.Pos, SubnetIDs: []model.Value{v}}
	}
	in.gcpEnv(f, b, "environment_variables")
	in.gcpSecrets(f, b)
	in.gcpSource(f, b.attr("source_archive_bucket") != nil, in.a("source_archive_object"))
	if th := in.a("trigger_http"); th.IsTrue() {
		f.Triggers = append(f.Triggers, &model.Trigger{Kind: model.TriggerHTTP, Type: "trigger_http", Name: in.name(), Pos: th.Pos,
			// Callers need the cloudfunctions.invoker role unless an IAM
			// member grants it to allUsers; gcpIAM downgrades this then.
			AuthType: model.Str(model.AuthPlatform, th.Pos)})
	} else if th.IsUnknown() {
		f.Triggers = append(f.Triggers, &model.Trigger{Kind: model.TriggerHTTP, Type: "trigger_http", Name: in.name(), Pos: th.Pos,
			AuthType: th})
	}
	if eb, ok := b.first("event_trigger"); ok {
		et := in.attrVal(eb, "event_type")
		res := in.attrVal(eb, "resource")
		f.Triggers = append(f.Triggers, &model.Trigger{Kind: gcpEventKind(et), Type: et.String(), Name: in.name(),
			Pos: et.PosOr(in.pos), Source: res})
	}
}

// gcpFunction2 models a 2nd gen Cloud Function (a Cloud Run service).
func (in *inst) gcpFunction2() {
	l := in.m.l
	b := in.rb.body
	f := in.newFunction(model.GCP, "name")
	setIf(f.SetAttr, model.AttrRegion, in.a("location"))
	if bc, ok := b.first("build_config"); ok {
		f.Runtime = in.attrVal(bc, "runtime")
		f.Handler = in.attrVal(bc, "entry_point")
		if src, ok := bc.first("source"); ok {
			if ss, ok := src.first("storage_source"); ok {
				in.gcpSource(f, true, in.attrVal(ss, "object"))
			} else if _, ok := src.first("repo_source"); ok {
				f.CodePath = model.Unresolved("Cloud Source Repository", in.pos)
				l.unresolved(in.pos)
			}
		}
	}
	if sc, ok := b.first("service_config"); ok {
		mem := in.attrVal(sc, "available_memory")
		f.MemoryMB = memMB(mem)
		f.TimeoutSec = in.attrVal(sc, "timeout_seconds")
		f.ReservedConc = in.attrVal(sc, "max_instance_count")
		if v := in.attrVal(sc, "ingress_settings"); v.IsSet() {
			f.SetAttr(model.AttrIngressSettings, v)
		}
		if v := in.attrVal(sc, "service_account_email"); v.IsSet() {
			f.SetAttr(model.AttrServiceAccount, v)
		}
		if v := in.attrVal(sc, "vpc_connector"); v.IsSet() {
			f.VPC = &model.VPCConfig{Pos: v.Pos, SubnetIDs: []model.Value{v}}
		}
		in.gcpEnv(f, sc, "environment_variables")
		in.gcpSecrets(f, sc)
	}
	if ebs := b.blocks("event_trigger"); len(ebs) > 0 {
		eb := ebs[0].body
		et := in.attrVal(eb, "event_type")
		src := in.attrVal(eb, "pubsub_topic")
		for _, ef := range eb.blocks("event_filters") {
			if a := in.attrVal(ef.body, "attribute"); a.Is("bucket") && src.IsAbsent() {
				src = in.attrVal(ef.body, "value")
			}
		}
		f.Triggers = append(f.Triggers, &model.Trigger{Kind: gcpEventKind(et), Type: et.String(), Name: in.name(),
			Pos: posOf(ebs[0].def), Source: src})
	} else {
		// Without an event trigger a 2nd gen function is an HTTP service
		// that requires the run.invoker role unless granted to allUsers.
		f.Triggers = append(f.Triggers, &model.Trigger{Kind: model.TriggerHTTP, Type: "google_cloudfunctions2_function", Name: in.name(),
			Pos: in.pos, AuthType: model.Str(model.AuthPlatform, in.pos)})
	}
}

// memMB converts Cloud Run memory sizes ("256M", "1Gi") to megabytes.
func memMB(v model.Value) model.Value {
	if !v.IsKnown() {
		return v
	}
	s := strings.TrimSpace(v.V)
	mult := 1.0
	for _, u := range []struct {
		suf string
		m   float64
	}{{"Gi", 1024}, {"G", 1000}, {"Mi", 1}, {"M", 1}, {"Ki", 1.0 / 1024}, {"k", 1.0 / 1000}} {
		if strings.HasSuffix(s, u.suf) {
			s, mult = strings.TrimSuffix(s, u.suf), u.m
			break
		}
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return v
	}
	out := v
	out.V = strconv.FormatInt(int64(n*mult), 10)
	return out
}

func gcpEventKind(et model.Value) model.TriggerKind {
	s := strings.ToLower(et.V + et.Expr)
	switch {
	case strings.Contains(s, "storage"):
		return model.TriggerStorage
	case strings.Contains(s, "pubsub"):
		return model.TriggerTopic
	case strings.Contains(s, "firestore") || strings.Contains(s, "database"):
		return model.TriggerStream
	case strings.Contains(s, "scheduler"):
		return model.TriggerSchedule
	}
	return model.TriggerOther
}

func (in *inst) gcpEnv(f *model.Function, b body, name string) {
	kvs, _, ok := in.mapAttr(b, name)
	if !ok {
		in.m.l.diag(in.pos, model.DiagInfo, "unresolved", "%s: %s are computed; their names and values are unknown", in.name(), name)
	}
	for _, e := range kvs {
		f.Environment = append(f.Environment, model.EnvVar{Name: e.key, Value: e.val, Pos: e.pos})
	}
}

// gcpSecrets adds secret_environment_variables: the value comes from
// Secret Manager at run time.
func (in *inst) gcpSecrets(f *model.Function, b body) {
	for _, sb := range b.blocks("secret_environment_variables") {
		k := in.attrVal(sb.body, "key")
		sec := in.attrVal(sb.body, "secret")
		pos := posOf(sb.def)
		v := model.Unresolved("secret "+sec.String()+" version "+in.attrVal(sb.body, "version").String(), pos)
		v.External = true
		v.Ref = sec.Ref
		in.m.l.unresolved(pos)
		name := k.V
		if !k.IsKnown() {
			name = k.String()
		}
		f.Environment = append(f.Environment, model.EnvVar{Name: name, Value: v, Pos: pos})
	}
}

// gcpSource sets the code path from an archive object that Terraform
// uploads from a local file, when that chain is visible.
func (in *inst) gcpSource(f *model.Function, set bool, obj model.Value) {
	if !set && obj.IsAbsent() {
		return
	}
	l := in.m.l
	if oi := l.instByID[obj.Ref]; oi != nil {
		if sa := oi.rb.body.attr("source"); sa != nil {
			// source = data.archive_file.x.output_path: the code is the
			// archived directory.
			for _, t := range sa.Expr.Variables() {
				if t.RootName() == "data" && len(t) >= 3 && attrName(t[1]) == "archive_file" {
					if ar := oi.m.byAddr["data.archive_file."+attrName(t[2])]; ar != nil {
						if d := ar.a("source_dir"); d.IsSet() {
							f.CodePath = in.codePath(d)
							return
						}
					}
				}
			}
			if src := oi.a("source"); src.IsSet() {
				f.CodePath = in.codePath(src)
				return
			}
		}
	}
	f.CodePath = model.Unresolved("code in a storage bucket "+obj.String(), obj.PosOr(in.pos))
	l.unresolved(obj.PosOr(in.pos))
}

// gcpIAM models IAM members and bindings on functions and on the Cloud Run
// services behind 2nd gen functions as invoke permissions.
func (in *inst) gcpIAM() {
	l := in.m.l
	b := in.rb.body
	var fnRef model.Value
	switch {
	case b.attr("cloud_function") != nil:
		fnRef = in.a("cloud_function")
	case b.attr("service") != nil:
		fnRef = in.a("service")
	default:
		fnRef = in.a("name")
	}
	role := in.a("role")
	var members []model.Value
	if b.attr("member") != nil {
		members = []model.Value{in.a("member")}
	} else {
		members = in.list(b, "members")
	}
	if in.deployed.IsFalse() {
		return
	}
	var perms []*model.Permission
	for i, mem := range members {
		id := in.id
		if len(members) > 1 {
			id += "/" + strconv.Itoa(i)
		}
		p := &model.Permission{ID: id, Provider: model.GCP, Framework: model.Terraform, Pos: in.pos,
			FunctionRef: fnRef, Principal: mem, Role: role, Action: role}
		perms = append(perms, p)
		l.app.Permissions = append(l.app.Permissions, p)
	}
	in.link(func() {
		f := l.findFunction(fnRef)
		if f == nil {
			in.notFound("function", fnRef)
			return
		}
		invoker := role.Is("roles/cloudfunctions.invoker") || role.Is("roles/run.invoker")
		for _, p := range perms {
			p.FunctionID = f.ID
			if !invoker || !(p.Principal.Is("allUsers") || p.Principal.Is("allAuthenticatedUsers")) {
				continue
			}
			// Anyone (or any Google account) may invoke: the HTTP
			// trigger has no effective authentication.
			for _, t := range f.Triggers {
				if t.Kind == model.TriggerHTTP && t.AuthType.Is(model.AuthPlatform) {
					t.AuthType = model.Str(model.AuthNone, p.Principal.Pos)
				}
			}
		}
	})
}
