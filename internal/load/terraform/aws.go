package terraform

import (
	"path"
	"strings"

	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// extract builds the model elements of one resource instance. Elements that
// stand alone are created here; resources that modify or connect others
// (attachments, permissions, notifications) register a link that runs once
// every module has been read.
func (m *module) extract(in *inst) {
	if in.rb.mode == "data" {
		return // policy documents are read when referenced
	}
	if b := in.rb.body.syn; b != nil && in.addr == in.rb.insts[0].addr {
		for _, x := range b.Blocks {
			if x.Type == "dynamic" && len(x.Labels) == 1 && modelled(in.rb.typ) {
				m.l.diag(posOf(x.DefRange()), model.DiagInfo, "unsupported",
					"%s: dynamic %q blocks are not expanded; settings inside them are not in the model", in.name(), x.Labels[0])
			}
		}
	}
	switch t := in.rb.typ; {
	case t == "aws_lambda_function":
		in.lambdaFunction()
	case t == "aws_lambda_function_url":
		in.functionURL()
	case t == "aws_lambda_layer_version":
		in.layerVersion()
	case t == "aws_lambda_permission":
		in.lambdaPermission()
	case t == "aws_lambda_event_source_mapping":
		in.eventSourceMapping()
	case t == "aws_lambda_function_event_invoke_config":
		in.invokeConfig()
	case t == "aws_iam_role":
		in.iamRole()
	case t == "aws_iam_role_policy":
		in.iamRolePolicy()
	case t == "aws_iam_policy":
		in.iamPolicy()
	case t == "aws_iam_role_policy_attachment", t == "aws_iam_policy_attachment":
		in.iamAttachment()
	case strings.HasPrefix(t, "aws_api_gateway_"), strings.HasPrefix(t, "aws_apigatewayv2_"):
		in.apiGateway()
	case t == "aws_s3_bucket":
		in.bucket()
	case strings.HasPrefix(t, "aws_s3_bucket_"):
		in.bucketPart()
	case t == "aws_dynamodb_table":
		in.dynamoTable()
	case t == "aws_sqs_queue":
		in.sqsQueue()
	case t == "aws_sqs_queue_policy", t == "aws_sns_topic_policy":
		in.queueTopicPolicy()
	case t == "aws_sns_topic":
		in.snsTopic()
	case t == "aws_sns_topic_subscription":
		in.snsSubscription()
	case t == "aws_kinesis_stream":
		in.kinesisStream()
	case t == "aws_kms_key":
		in.kmsKey()
	case t == "aws_secretsmanager_secret":
		in.secret()
	case t == "aws_secretsmanager_secret_rotation", t == "aws_secretsmanager_secret_version", t == "aws_secretsmanager_secret_policy":
		in.secretPart()
	case t == "aws_ssm_parameter":
		in.ssmParameter()
	case t == "aws_cloudwatch_log_group":
		in.logGroup()
	case t == "aws_cognito_user_pool":
		in.userPool()
	case t == "aws_cloudwatch_event_rule":
		in.eventRule()
	case t == "aws_cloudwatch_event_target":
		in.eventTarget()
	case t == "aws_wafv2_web_acl_association":
		in.wafAssociation()
	case t == "azurerm_linux_function_app", t == "azurerm_windows_function_app", t == "azurerm_function_app":
		in.azureFunctionApp()
	case t == "google_cloudfunctions_function":
		in.gcpFunction()
	case t == "google_cloudfunctions2_function":
		in.gcpFunction2()
	case strings.HasPrefix(t, "google_cloudfunctions_function_iam_"), strings.HasPrefix(t, "google_cloudfunctions2_function_iam_"),
		strings.HasPrefix(t, "google_cloud_run_service_iam_"), strings.HasPrefix(t, "google_cloud_run_v2_service_iam_"):
		in.gcpIAM()
	}
}

// modelled reports whether extract reads the resource type.
func modelled(t string) bool {
	switch {
	case strings.HasPrefix(t, "aws_lambda_"), strings.HasPrefix(t, "aws_iam_"), strings.HasPrefix(t, "aws_api_gateway_"),
		strings.HasPrefix(t, "aws_apigatewayv2_"), strings.HasPrefix(t, "aws_s3_bucket"), strings.HasPrefix(t, "aws_sqs_"),
		strings.HasPrefix(t, "aws_sns_"), strings.HasPrefix(t, "aws_secretsmanager_"), strings.HasPrefix(t, "azurerm_"),
		strings.HasPrefix(t, "google_cloudfunctions"), strings.HasPrefix(t, "google_cloud_run"):
		return true
	}
	switch t {
	case "aws_dynamodb_table", "aws_kinesis_stream", "aws_kms_key", "aws_ssm_parameter", "aws_cloudwatch_log_group",
		"aws_cognito_user_pool", "aws_cloudwatch_event_rule", "aws_cloudwatch_event_target", "aws_wafv2_web_acl_association":
		return true
	}
	return false
}

func (in *inst) name() string { return in.m.prefix + in.addr }

// newFunction adds the instance's function, named by its nameAttr
// argument; a known name is indexed so that references by name find it.
func (in *inst) newFunction(p model.Provider, nameAttr string) *model.Function {
	f := &model.Function{ID: in.id, Name: in.name(), Provider: p, Framework: model.Terraform, Pos: in.pos, Deployed: in.deployed}
	l := in.m.l
	l.fnByID[f.ID] = f
	f.FunctionName = in.a(nameAttr)
	if f.FunctionName.IsKnown() {
		l.fnByName[f.FunctionName.V] = f
	}
	l.app.Functions = append(l.app.Functions, f)
	return f
}

func (in *inst) newResource(kind model.ResourceKind, p model.Provider) *model.Resource {
	r := &model.Resource{ID: in.id, Kind: kind, Type: in.rb.typ, Name: in.name(), Provider: p, Framework: model.Terraform,
		Pos: in.pos, Deployed: in.deployed}
	l := in.m.l
	l.resByID[r.ID] = r
	l.app.Resources = append(l.app.Resources, r)
	return r
}

// nameIt records a resource's deployed name so that references written as
// names or ARNs rather than expressions still find it.
func (in *inst) nameIt(v model.Value) {
	if v.IsKnown() && v.V != "" {
		in.m.l.names[in.rb.typ+"\x00"+v.V] = in.id
	}
}

// setIf sets an attribute only when the source sets it, so Absent keeps
// meaning "platform default".
func setIf(set func(string, model.Value), key string, v model.Value) {
	if v.IsSet() {
		set(key, v)
	}
}

func (in *inst) link(f func()) { in.m.l.links = append(in.m.l.links, f) }

func (l *loader) edge(from, to string, k model.EdgeKind, pos model.Pos) {
	if from == "" || to == "" {
		return
	}
	l.app.Edges = append(l.app.Edges, model.Edge{From: from, To: to, Kind: k, Pos: pos})
}

// candidates are the names a literal reference may use: the value, and the
// last segment of an ARN, URL or resource path.
func candidates(s string) []string {
	out := []string{s}
	if i := strings.Index(s, ":function:"); i >= 0 {
		n := s[i+len(":function:"):]
		if j := strings.IndexByte(n, ':'); j >= 0 {
			n = n[:j]
		}
		out = append(out, n)
	}
	if i := strings.LastIndexAny(s, "/:"); i >= 0 && i+1 < len(s) {
		out = append(out, s[i+1:])
	}
	return out
}

func (l *loader) findFunction(v model.Value) *model.Function {
	if f := l.fnByID[v.Ref]; f != nil {
		return f
	}
	if !v.IsKnown() {
		return nil
	}
	for _, c := range candidates(v.V) {
		if f := l.fnByName[c]; f != nil {
			return f
		}
	}
	return nil
}

func (l *loader) findRole(v model.Value) *model.Role {
	if r := l.roleByID[v.Ref]; r != nil {
		return r
	}
	if !v.IsKnown() {
		return nil
	}
	for _, c := range candidates(v.V) {
		if id := l.names["aws_iam_role\x00"+c]; id != "" {
			return l.roleByID[id]
		}
	}
	return nil
}

// target finds the model resource of one of types that v refers to.
func (l *loader) target(v model.Value, types ...string) *model.Resource {
	if r := l.resByID[v.Ref]; r != nil {
		if len(types) == 0 {
			return r
		}
		for _, t := range types {
			if r.Type == t {
				return r
			}
		}
	}
	if !v.IsKnown() {
		return nil
	}
	for _, c := range candidates(v.V) {
		for _, t := range types {
			if id := l.names[t+"\x00"+c]; id != "" {
				return l.resByID[id]
			}
		}
	}
	return nil
}

// notFound notes a connection Warden could not make, so the reader knows
// a trigger or policy may be missing from the model.
func (in *inst) notFound(what string, v model.Value) {
	in.m.l.diag(in.pos, model.DiagInfo, "unresolved", "%s: %s %s is not in the scanned configuration; not linked", in.name(), what, v.String())
}

// codePath resolves a path argument, relative to the root module as
// Terraform does, refusing paths that leave the scanned root.
// localCode resolves a "filename" argument to the code in the repository:
// the directory or file that a data "archive_file" zips, else the file itself.
func (in *inst) localCode(b body) model.Value {
	m := in.m
	if fa := b.attr("filename"); fa != nil {
		for _, t := range fa.Expr.Variables() {
			if t.RootName() == "data" && len(t) >= 3 && attrName(t[1]) == "archive_file" {
				if ar := m.byAddr["data.archive_file."+attrName(t[2])]; ar != nil {
					src := ar.a("source_dir")
					if src.IsAbsent() {
						src = ar.a("source_file")
					}
					if src.IsSet() {
						return in.codePath(src)
					}
				}
			}
		}
	}
	return in.codePath(in.a("filename"))
}

// layerVersion models aws_lambda_layer_version, so that functions' layers
// resolve to it and its content directory (where the archive comes from a
// local directory) is scanned for the packages it ships.
func (in *inst) layerVersion() {
	r := in.newResource(model.KindLayer, model.AWS)
	b := in.rb.body
	if b.attr("filename") != nil {
		if v := in.localCode(b); v.IsKnown() {
			r.SetAttr(model.AttrContentPath, v)
		}
	}
	in.nameIt(in.a("layer_name"))
}

func (in *inst) codePath(v model.Value) model.Value {
	if !v.IsKnown() {
		return v
	}
	l := in.m.l
	p, err := source.Join(path.Join(l.rootDir, "main.tf"), v.V)
	if err != nil {
		l.diag(v.Pos, model.DiagWarning, "outside-root", "%s: code path %q is outside the scanned root", in.name(), v.V)
		u := model.Unresolved(v.V, v.Pos)
		l.unresolved(v.Pos)
		return u
	}
	out := model.Str(p, v.Pos)
	out.Ref = v.Ref
	return out
}

func (in *inst) lambdaFunction() {
	l := in.m.l
	b := in.rb.body
	f := in.newFunction(model.AWS, "function_name")
	f.Runtime = in.a("runtime")
	f.Handler = in.a("handler")
	f.PackageType = in.a("package_type")
	f.MemoryMB = in.a("memory_size")
	f.TimeoutSec = in.a("timeout")
	f.ReservedConc = in.a("reserved_concurrent_executions")
	if arch := in.list(b, "architectures"); len(arch) > 0 {
		f.Architecture = arch[0]
	}
	f.Tracing = in.blockVal(b, "tracing_config", "mode")
	f.Layers = in.list(b, "layers")
	f.EnvKMSKey = in.a("kms_key_arn")
	f.RoleRef = in.a("role")
	f.DeadLetter = in.blockVal(b, "dead_letter_config", "target_arn")
	setIf(f.SetAttr, model.AttrRegion, in.a("region"))
	if vbs := b.blocks("vpc_config"); len(vbs) > 0 {
		f.VPC = &model.VPCConfig{Pos: posOf(vbs[0].def),
			SubnetIDs:        in.list(vbs[0].body, "subnet_ids"),
			SecurityGroupIDs: in.list(vbs[0].body, "security_group_ids")}
	}
	if ebs := b.blocks("environment"); len(ebs) > 0 {
		kvs, _, ok := in.mapAttr(ebs[0].body, "variables")
		if !ok {
			l.diag(posOf(ebs[0].def), model.DiagInfo, "unresolved", "%s: environment variables are computed; their names and values are unknown", in.name())
		}
		for _, e := range kvs {
			f.Environment = append(f.Environment, model.EnvVar{Name: e.key, Value: e.val, Pos: e.pos})
		}
	}
	// Code: a local file, a directory zipped by data "archive_file", an S3
	// object or a container image.
	switch {
	case b.attr("filename") != nil:
		f.CodePath = in.localCode(b)
	case b.attr("s3_bucket") != nil:
		v := in.a("s3_bucket")
		pos := v.Pos
		f.CodePath = model.Unresolved("code in S3 bucket "+v.String(), pos)
		l.unresolved(pos)
	case b.attr("image_uri") != nil:
		v := in.a("image_uri")
		f.CodePath = model.Unresolved("container image "+v.String(), v.Pos)
		l.unresolved(v.Pos)
	}
	logGroup := in.blockVal(b, "logging_config", "log_group")
	in.link(func() {
		if r := l.findRole(f.RoleRef); r != nil {
			f.RoleID = r.ID
			l.edge(f.ID, r.ID, model.EdgeUsesRole, f.RoleRef.PosOr(f.Pos))
		} else if f.RoleRef.IsSet() {
			in.notFound("role", f.RoleRef)
		}
		if lg := l.target(logGroup, "aws_cloudwatch_log_group"); lg != nil {
			l.linkLogGroup(f, lg, logGroup.Pos)
		}
	})
}

func (l *loader) linkLogGroup(f *model.Function, lg *model.Resource, pos model.Pos) {
	if f.LogGroupID != "" {
		return
	}
	f.LogGroupID = lg.ID
	l.edge(f.ID, lg.ID, model.EdgeLogsTo, pos)
}

// normAuth maps the auth type names of Lambda URLs and API Gateway to the
// model's constants.
func normAuth(v model.Value) model.Value {
	if !v.IsKnown() {
		return v
	}
	switch strings.ToUpper(v.V) {
	case "NONE":
		v.V = model.AuthNone
	case "AWS_IAM":
		v.V = model.AuthIAM
	case "COGNITO_USER_POOLS":
		v.V = model.AuthCognito
	case "CUSTOM", "REQUEST", "TOKEN":
		v.V = model.AuthCustom
	case "JWT":
		v.V = model.AuthJWT
	}
	return v
}

func (in *inst) cors(b body, typ string, prefix string) *model.CORS {
	bs := b.blocks(typ)
	if len(bs) == 0 {
		return nil
	}
	cb := bs[0].body
	return &model.CORS{Pos: posOf(bs[0].def),
		AllowOrigins:     in.list(cb, prefix+"origins"),
		AllowCredentials: in.attrVal(cb, prefix+"credentials"),
		AllowMethods:     in.list(cb, prefix+"methods"),
		AllowHeaders:     in.list(cb, prefix+"headers")}
}

func (in *inst) functionURL() {
	l := in.m.l
	fnRef := in.a("function_name")
	u := &model.FunctionURL{Pos: in.pos, AuthType: normAuth(in.a("authorization_type")), CORS: in.cors(in.rb.body, "cors", "allow_")}
	dep := in.deployed
	in.link(func() {
		f := l.findFunction(fnRef)
		if f == nil {
			in.notFound("function", fnRef)
			return
		}
		if dep.IsFalse() {
			return
		}
		f.URL = u
	})
}

func (in *inst) lambdaPermission() {
	l := in.m.l
	p := &model.Permission{ID: in.id, Provider: model.AWS, Framework: model.Terraform, Pos: in.pos,
		FunctionRef:   in.a("function_name"),
		Action:        in.a("action"),
		Principal:     in.a("principal"),
		SourceArn:     in.a("source_arn"),
		SourceAccount: in.a("source_account"),
		URLAuthType:   in.a("function_url_auth_type")}
	if in.deployed.IsFalse() {
		return
	}
	l.app.Permissions = append(l.app.Permissions, p)
	in.link(func() {
		if f := l.findFunction(p.FunctionRef); f != nil {
			p.FunctionID = f.ID
		} else {
			in.notFound("function", p.FunctionRef)
		}
	})
}

// sourceKind classifies an event source by what it is in the model or,
// failing that, by its ARN.
func sourceKind(r *model.Resource, arn model.Value) model.TriggerKind {
	if r != nil {
		switch r.Kind {
		case model.KindQueue:
			return model.TriggerQueue
		case model.KindStream, model.KindTable:
			return model.TriggerStream
		}
	}
	s := arn.V + arn.Expr
	switch {
	case strings.Contains(s, ":sqs:") || strings.Contains(s, "aws_sqs_queue") || strings.Contains(s, ":mq:"):
		return model.TriggerQueue
	case strings.Contains(s, ":kinesis:") || strings.Contains(s, ":dynamodb:") || strings.Contains(s, "aws_kinesis") ||
		strings.Contains(s, "aws_dynamodb") || strings.Contains(s, ":kafka:") || strings.Contains(s, "aws_msk"):
		return model.TriggerStream
	}
	return model.TriggerOther
}

func (in *inst) eventSourceMapping() {
	l := in.m.l
	b := in.rb.body
	fnRef := in.a("function_name")
	src := in.a("event_source_arn")
	t := &model.Trigger{Type: "aws_lambda_event_source_mapping", Name: in.name(), Pos: in.pos,
		Source: src, BatchSize: in.a("batch_size"), Enabled: in.a("enabled")}
	if db, ok := b.first("destination_config"); ok {
		t.OnFailure = in.blockVal(db, "on_failure", "destination_arn")
	}
	if fb, ok := b.first("filter_criteria"); ok {
		var pats []string
		var first model.Value
		for _, f := range fb.blocks("filter") {
			v := in.attrVal(f.body, "pattern")
			if first.IsAbsent() {
				first = v
			}
			pats = append(pats, v.String())
		}
		if len(pats) > 1 && first.IsKnown() {
			first.V = "[" + strings.Join(pats, ",") + "]"
		}
		t.Filter = first
	}
	if sm := b.attr("self_managed_event_source"); sm != nil || len(b.blocks("self_managed_event_source")) > 0 {
		t.Kind = model.TriggerStream
	}
	if in.deployed.IsFalse() {
		return
	}
	in.link(func() {
		f := l.findFunction(fnRef)
		if f == nil {
			in.notFound("function", fnRef)
			return
		}
		r := l.target(src, "aws_sqs_queue", "aws_kinesis_stream", "aws_dynamodb_table")
		if t.Kind == "" {
			t.Kind = sourceKind(r, src)
		}
		if r != nil {
			t.SourceID = r.ID
			l.edge(f.ID, r.ID, model.EdgeTriggeredBy, t.Pos)
		}
		f.Triggers = append(f.Triggers, t)
	})
}

func (in *inst) invokeConfig() {
	l := in.m.l
	b := in.rb.body
	fnRef := in.a("function_name")
	var onFailure model.Value
	if db, ok := b.first("destination_config"); ok {
		onFailure = in.blockVal(db, "on_failure", "destination")
	}
	retries := in.a("maximum_retry_attempts")
	age := in.a("maximum_event_age_in_seconds")
	in.link(func() {
		f := l.findFunction(fnRef)
		if f == nil {
			in.notFound("function", fnRef)
			return
		}
		if onFailure.IsSet() {
			f.OnFailure = onFailure
		}
		if retries.IsSet() {
			f.AsyncMaxRetries = retries
		}
		if age.IsSet() {
			f.AsyncMaxEventAge = age
		}
	})
}

func (in *inst) iamRole() {
	l := in.m.l
	b := in.rb.body
	r := &model.Role{ID: in.id, Name: in.name(), Provider: model.AWS, Framework: model.Terraform, Pos: in.pos,
		RoleName: in.a("name")}
	in.nameIt(r.RoleName)
	r.AssumeRolePolicy = in.policyAttr(b, "assume_role_policy", "assume_role_policy")
	for _, ib := range b.blocks("inline_policy") {
		if p := in.policyAttr(ib.body, "policy", "aws_iam_role inline_policy"); p != nil {
			p.Name = in.attrVal(ib.body, "name")
			r.Policies = append(r.Policies, p)
		}
	}
	r.ManagedPolicies = in.list(b, "managed_policy_arns")
	r.PermissionsBoundary = in.a("permissions_boundary")
	l.roleByID[r.ID] = r
	l.app.Roles = append(l.app.Roles, r)
	in.link(func() {
		for _, mp := range r.ManagedPolicies {
			l.attachPolicy(r, mp, false)
		}
	})
}

// attachPolicy records a managed policy on a role and, when the policy is
// an aws_iam_policy in the configuration, copies its statements.
func (l *loader) attachPolicy(r *model.Role, arn model.Value, addARN bool) {
	if addARN {
		r.ManagedPolicies = append(r.ManagedPolicies, arn)
	}
	if p := l.policyRes[arn.Ref]; p != nil {
		cp := *p
		cp.Source = "aws_iam_policy"
		r.Policies = append(r.Policies, &cp)
		l.edge(arn.Ref, r.ID, model.EdgeAttached, arn.Pos)
	}
}

func (in *inst) iamRolePolicy() {
	l := in.m.l
	roleRef := in.a("role")
	p := in.policyAttr(in.rb.body, "policy", "aws_iam_role_policy")
	if p == nil {
		return
	}
	p.Name = in.a("name")
	if in.deployed.IsFalse() {
		return
	}
	in.link(func() {
		r := l.findRole(roleRef)
		if r == nil {
			in.notFound("role", roleRef)
			return
		}
		r.Policies = append(r.Policies, p)
	})
}

func (in *inst) iamPolicy() {
	l := in.m.l
	res := in.newResource(model.KindOther, model.AWS)
	p := in.policyAttr(in.rb.body, "policy", "aws_iam_policy")
	if p == nil {
		return
	}
	p.Name = in.a("name")
	res.Policies = append(res.Policies, p)
	l.policyRes[in.id] = p
}

func (in *inst) iamAttachment() {
	l := in.m.l
	arn := in.a("policy_arn")
	var roles []model.Value
	if in.rb.typ == "aws_iam_role_policy_attachment" {
		roles = []model.Value{in.a("role")}
	} else {
		roles = in.list(in.rb.body, "roles")
	}
	if in.deployed.IsFalse() {
		return
	}
	in.link(func() {
		for _, rv := range roles {
			r := l.findRole(rv)
			if r == nil {
				in.notFound("role", rv)
				continue
			}
			l.attachPolicy(r, arn, true)
		}
	})
}

// sse reads a server_side_encryption_configuration body (inline or split).
func (in *inst) sse(r *model.Resource, b body) {
	rb, ok := b.first("rule")
	if !ok {
		return
	}
	d, ok := rb.first("apply_server_side_encryption_by_default")
	if !ok {
		return
	}
	alg := in.attrVal(d, "sse_algorithm")
	r.SetAttr(model.AttrEncryption, encFromAlg(alg))
	if k := in.attrVal(d, "kms_master_key_id"); k.IsSet() {
		r.SetAttr(model.AttrKMSKey, k)
	}
}

func encFromAlg(alg model.Value) model.Value {
	if !alg.IsKnown() {
		return alg
	}
	out := alg
	switch strings.ToLower(alg.V) {
	case "aes256":
		out.V = "provider"
	case "aws:kms", "aws:kms:dsse":
		out.V = "kms"
	}
	return out
}

func (in *inst) bucket() {
	b := in.rb.body
	r := in.newResource(model.KindBucket, model.AWS)
	in.nameIt(in.a("bucket"))
	if acl := in.a("acl"); acl.IsSet() {
		r.SetAttr(model.AttrACL, acl)
	}
	if vb, ok := b.first("versioning"); ok {
		if en := in.attrVal(vb, "enabled"); en.IsSet() {
			r.SetAttr(model.AttrVersioning, enabledWord(en))
		}
	}
	if lb, ok := b.first("logging"); ok {
		r.SetAttr(model.AttrAccessLogging, in.attrVal(lb, "target_bucket"))
	}
	if sb, ok := b.first("server_side_encryption_configuration"); ok {
		in.sse(r, sb)
	}
	if p := in.policyAttr(b, "policy", "aws_s3_bucket policy"); p != nil {
		r.Policies = append(r.Policies, p)
	}
}

func enabledWord(v model.Value) model.Value {
	if b, ok := v.Bool(); ok {
		if b {
			v.V = "Enabled"
		} else {
			v.V = "Suspended"
		}
	}
	return v
}

// bucketPart applies the split S3 resources of AWS provider v4+ to their
// bucket.
func (in *inst) bucketPart() {
	l := in.m.l
	b := in.rb.body
	bref := in.a("bucket")
	var apply func(r *model.Resource)
	switch in.rb.typ {
	case "aws_s3_bucket_server_side_encryption_configuration":
		tmp := &model.Resource{}
		in.sse(tmp, b)
		apply = func(r *model.Resource) {
			for k, v := range tmp.Attrs {
				r.SetAttr(k, v)
			}
		}
	case "aws_s3_bucket_public_access_block":
		vals := map[string]model.Value{
			model.AttrBlockPublicACLs:       in.a("block_public_acls"),
			model.AttrIgnorePublicACLs:      in.a("ignore_public_acls"),
			model.AttrBlockPublicPolicy:     in.a("block_public_policy"),
			model.AttrRestrictPublicBuckets: in.a("restrict_public_buckets"),
		}
		apply = func(r *model.Resource) {
			for k, v := range vals {
				if v.IsSet() {
					r.SetAttr(k, v)
				}
			}
		}
	case "aws_s3_bucket_acl":
		acl := in.a("acl")
		apply = func(r *model.Resource) {
			if acl.IsSet() {
				r.SetAttr(model.AttrACL, acl)
			}
		}
	case "aws_s3_bucket_versioning":
		st := in.blockVal(b, "versioning_configuration", "status")
		apply = func(r *model.Resource) { r.SetAttr(model.AttrVersioning, st) }
	case "aws_s3_bucket_logging":
		tb := in.a("target_bucket")
		apply = func(r *model.Resource) { r.SetAttr(model.AttrAccessLogging, tb) }
	case "aws_s3_bucket_ownership_controls":
		own := in.blockVal(b, "rule", "object_ownership")
		apply = func(r *model.Resource) { r.SetAttr(model.AttrObjectOwnership, own) }
	case "aws_s3_bucket_policy":
		p := in.policyAttr(b, "policy", "aws_s3_bucket_policy")
		apply = func(r *model.Resource) {
			if p != nil {
				r.Policies = append(r.Policies, p)
				l.edge(in.id, r.ID, model.EdgeAttached, in.pos)
			}
		}
	case "aws_s3_bucket_notification":
		type note struct {
			fn     model.Value
			pos    model.Pos
			events []model.Value
			prefix model.Value
		}
		var notes []note
		for _, lb := range b.blocks("lambda_function") {
			notes = append(notes, note{fn: in.attrVal(lb.body, "lambda_function_arn"), pos: posOf(lb.def),
				events: in.list(lb.body, "events"), prefix: in.attrVal(lb.body, "filter_prefix")})
		}
		apply = func(r *model.Resource) {
			for _, n := range notes {
				f := l.findFunction(n.fn)
				if f == nil {
					in.notFound("function", n.fn)
					continue
				}
				t := &model.Trigger{Kind: model.TriggerStorage, Type: "aws_s3_bucket_notification", Name: in.name(), Pos: n.pos,
					Source: bref, Filter: n.prefix}
				if len(n.events) > 0 {
					t.Attrs = map[string]model.Value{"events": joinValues(n.events)}
				}
				if r != nil {
					t.SourceID = r.ID
					l.edge(f.ID, r.ID, model.EdgeTriggeredBy, n.pos)
				}
				f.Triggers = append(f.Triggers, t)
			}
		}
	default:
		return
	}
	if in.deployed.IsFalse() {
		return
	}
	notification := in.rb.typ == "aws_s3_bucket_notification"
	in.link(func() {
		r := l.target(bref, "aws_s3_bucket")
		if r == nil {
			in.notFound("bucket", bref)
			if !notification {
				return
			}
		}
		apply(r)
	})
}

func joinValues(vs []model.Value) model.Value {
	var parts []string
	for _, v := range vs {
		parts = append(parts, v.String())
	}
	return model.Str(strings.Join(parts, ","), vs[0].Pos)
}

func (in *inst) dynamoTable() {
	b := in.rb.body
	r := in.newResource(model.KindTable, model.AWS)
	in.nameIt(in.a("name"))
	if sb, ok := b.first("server_side_encryption"); ok {
		en := in.attrVal(sb, "enabled")
		switch {
		case en.IsTrue():
			en.V = "kms"
			r.SetAttr(model.AttrEncryption, en)
		case en.IsFalse():
			en.V = "provider" // DynamoDB always encrypts, with an AWS-owned key
			r.SetAttr(model.AttrEncryption, en)
		case en.IsUnknown():
			r.SetAttr(model.AttrEncryption, en)
		}
		if k := in.attrVal(sb, "kms_key_arn"); k.IsSet() {
			r.SetAttr(model.AttrKMSKey, k)
		}
	}
	if pb, ok := b.first("point_in_time_recovery"); ok {
		r.SetAttr(model.AttrPointInTimeRecovery, in.attrVal(pb, "enabled"))
	}
	if sv := in.a("stream_view_type"); sv.IsSet() {
		r.SetAttr(model.AttrStreamViewType, sv)
	}
	if bm := in.a("billing_mode"); bm.IsSet() {
		r.SetAttr(model.AttrBillingMode, bm)
	}
}

func (in *inst) kmsEncryption(r *model.Resource, attr string) bool {
	k := in.a(attr)
	if k.IsAbsent() {
		return false
	}
	r.SetAttr(model.AttrKMSKey, k)
	e := model.Str("kms", k.Pos)
	if k.IsUnknown() && k.Ref == "" && !strings.Contains(k.Expr, "aws_kms") {
		// var.kms_key_id may be empty: encryption itself is unknown.
		e = model.Unresolved(k.Expr, k.Pos)
	}
	r.SetAttr(model.AttrEncryption, e)
	return true
}

func (in *inst) sqsQueue() {
	r := in.newResource(model.KindQueue, model.AWS)
	in.nameIt(in.a("name"))
	if !in.kmsEncryption(r, "kms_master_key_id") {
		if s := in.a("sqs_managed_sse_enabled"); s.IsSet() {
			e := s
			if b, ok := s.Bool(); ok {
				e.V = "none"
				if b {
					e.V = "provider"
				}
			}
			r.SetAttr(model.AttrEncryption, e)
		}
	}
	if rp := in.rb.body.attr("redrive_policy"); rp != nil {
		if j := in.jdoc(rp.Expr); j != nil && j.kind == 'o' {
			if t := j.get("deadLetterTargetArn"); t != nil && t.kind == 's' {
				r.SetAttr(model.AttrDeadLetterTarget, t.val)
			}
		} else {
			r.SetAttr(model.AttrDeadLetterTarget, in.a("redrive_policy"))
		}
	}
	setIf(r.SetAttr, model.AttrVisibilityTimeout, in.a("visibility_timeout_seconds"))
	setIf(r.SetAttr, model.AttrMessageRetention, in.a("message_retention_seconds"))
	if p := in.policyAttr(in.rb.body, "policy", "aws_sqs_queue policy"); p != nil {
		r.Policies = append(r.Policies, p)
	}
}

func (in *inst) queueTopicPolicy() {
	l := in.m.l
	var ref model.Value
	typ := "aws_sqs_queue"
	if in.rb.typ == "aws_sqs_queue_policy" {
		ref = in.a("queue_url")
	} else {
		ref = in.a("arn")
		typ = "aws_sns_topic"
	}
	p := in.policyAttr(in.rb.body, "policy", in.rb.typ)
	if p == nil || in.deployed.IsFalse() {
		return
	}
	in.link(func() {
		r := l.target(ref, typ)
		if r == nil {
			in.notFound(strings.TrimPrefix(typ, "aws_"), ref)
			return
		}
		r.Policies = append(r.Policies, p)
		l.edge(in.id, r.ID, model.EdgeAttached, in.pos)
	})
}

func (in *inst) snsTopic() {
	r := in.newResource(model.KindTopic, model.AWS)
	in.nameIt(in.a("name"))
	in.kmsEncryption(r, "kms_master_key_id")
	if p := in.policyAttr(in.rb.body, "policy", "aws_sns_topic policy"); p != nil {
		r.Policies = append(r.Policies, p)
	}
}

func (in *inst) snsSubscription() {
	l := in.m.l
	proto := in.a("protocol")
	if !proto.Is("lambda") || in.deployed.IsFalse() {
		return
	}
	ep := in.a("endpoint")
	topic := in.a("topic_arn")
	filter := in.a("filter_policy")
	in.link(func() {
		f := l.findFunction(ep)
		if f == nil {
			in.notFound("function", ep)
			return
		}
		t := &model.Trigger{Kind: model.TriggerTopic, Type: "aws_sns_topic_subscription", Name: in.name(), Pos: in.pos,
			Source: topic, Filter: filter}
		if r := l.target(topic, "aws_sns_topic"); r != nil {
			t.SourceID = r.ID
			l.edge(f.ID, r.ID, model.EdgeTriggeredBy, in.pos)
		}
		f.Triggers = append(f.Triggers, t)
	})
}

func (in *inst) kinesisStream() {
	r := in.newResource(model.KindStream, model.AWS)
	in.nameIt(in.a("name"))
	et := in.a("encryption_type")
	if et.IsSet() {
		e := et
		if et.IsKnown() {
			e.V = "none"
			if strings.EqualFold(et.V, "KMS") {
				e.V = "kms"
			}
		}
		r.SetAttr(model.AttrEncryption, e)
	}
	if k := in.a("kms_key_id"); k.IsSet() {
		r.SetAttr(model.AttrKMSKey, k)
	}
}

func (in *inst) kmsKey() {
	r := in.newResource(model.KindKey, model.AWS)
	setIf(r.SetAttr, model.AttrKeyRotation, in.a("enable_key_rotation"))
	if p := in.policyAttr(in.rb.body, "policy", "aws_kms_key policy"); p != nil {
		r.Policies = append(r.Policies, p)
	}
}

func (in *inst) secret() {
	r := in.newResource(model.KindSecret, model.AWS)
	in.nameIt(in.a("name"))
	in.kmsEncryption(r, "kms_key_id")
	if p := in.policyAttr(in.rb.body, "policy", "aws_secretsmanager_secret policy"); p != nil {
		r.Policies = append(r.Policies, p)
	}
}

func (in *inst) secretPart() {
	l := in.m.l
	b := in.rb.body
	ref := in.a("secret_id")
	if in.rb.typ == "aws_secretsmanager_secret_policy" {
		ref = in.a("secret_arn")
	}
	var apply func(r *model.Resource)
	switch in.rb.typ {
	case "aws_secretsmanager_secret_rotation":
		days := in.blockVal(b, "rotation_rules", "automatically_after_days")
		if days.IsAbsent() {
			days = in.blockVal(b, "rotation_rules", "schedule_expression")
		}
		apply = func(r *model.Resource) {
			r.SetAttr(model.AttrRotationEnabled, model.Str("true", in.pos))
			if days.IsSet() {
				r.SetAttr(model.AttrRotationDays, days)
			}
		}
	case "aws_secretsmanager_secret_version":
		v := in.a("secret_string")
		if v.IsAbsent() {
			v = in.a("secret_string_wo")
		}
		apply = func(r *model.Resource) {
			if v.IsSet() {
				r.SetAttr(model.AttrValue, v)
			}
		}
	case "aws_secretsmanager_secret_policy":
		p := in.policyAttr(b, "policy", "aws_secretsmanager_secret_policy")
		apply = func(r *model.Resource) {
			if p != nil {
				r.Policies = append(r.Policies, p)
			}
		}
	}
	if in.deployed.IsFalse() {
		return
	}
	in.link(func() {
		r := l.target(ref, "aws_secretsmanager_secret")
		if r == nil {
			in.notFound("secret", ref)
			return
		}
		apply(r)
	})
}

func (in *inst) ssmParameter() {
	r := in.newResource(model.KindParameter, model.AWS)
	name := in.a("name")
	in.nameIt(name)
	typ := in.a("type")
	r.SetAttr(model.AttrParameterType, typ)
	r.SetAttr(model.AttrParameterName, name)
	v := in.a("value")
	if v.IsAbsent() {
		v = in.a("insecure_value")
	}
	if v.IsSet() {
		r.SetAttr(model.AttrValue, v)
	}
	if k := in.a("key_id"); k.IsSet() {
		r.SetAttr(model.AttrKMSKey, k)
	}
	if typ.Is("SecureString") {
		r.SetAttr(model.AttrEncryption, model.Str("kms", typ.Pos))
	} else if typ.IsKnown() {
		r.SetAttr(model.AttrEncryption, model.Str("none", typ.Pos))
	}
}

func (in *inst) logGroup() {
	l := in.m.l
	r := in.newResource(model.KindLogGroup, model.AWS)
	name := in.a("name")
	in.nameIt(name)
	setIf(r.SetAttr, model.AttrRetentionDays, in.a("retention_in_days"))
	in.kmsEncryption(r, "kms_key_id")
	var refs []string
	if na := in.rb.body.attr("name"); na != nil {
		refs = in.m.refIDs(na.Expr)
	}
	in.link(func() {
		for _, id := range refs {
			if f := l.fnByID[id]; f != nil {
				l.linkLogGroup(f, r, name.Pos)
				return
			}
		}
		if name.IsKnown() && strings.HasPrefix(name.V, "/aws/lambda/") {
			if f := l.fnByName[strings.TrimPrefix(name.V, "/aws/lambda/")]; f != nil && f.Provider == model.AWS {
				l.linkLogGroup(f, r, name.Pos)
			}
		}
	})
}

func (in *inst) userPool() {
	l := in.m.l
	b := in.rb.body
	r := in.newResource(model.KindUserPool, model.AWS)
	in.nameIt(in.a("name"))
	if pb, ok := b.first("password_policy"); ok {
		for k, attr := range map[string]string{
			model.AttrPasswordMinLength: "minimum_length", model.AttrPasswordUpper: "require_uppercase",
			model.AttrPasswordLower: "require_lowercase", model.AttrPasswordNumbers: "require_numbers",
			model.AttrPasswordSymbols: "require_symbols"} {
			if v := in.attrVal(pb, attr); v.IsSet() {
				r.SetAttr(k, v)
			}
		}
	}
	setIf(r.SetAttr, model.AttrMFA, in.a("mfa_configuration"))
	if v := in.blockVal(b, "user_pool_add_ons", "advanced_security_mode"); v.IsSet() {
		r.SetAttr(model.AttrAdvancedSecurity, v)
	}
	lcs := b.blocks("lambda_config")
	if len(lcs) == 0 || in.deployed.IsFalse() {
		return
	}
	hooks := []string{"create_auth_challenge", "custom_message", "define_auth_challenge", "post_authentication",
		"post_confirmation", "pre_authentication", "pre_sign_up", "pre_token_generation", "user_migration",
		"verify_auth_challenge_response", "custom_email_sender", "custom_sms_sender"}
	type hook struct {
		name string
		v    model.Value
	}
	var hs []hook
	for _, h := range hooks {
		if v := in.attrVal(lcs[0].body, h); v.IsSet() {
			hs = append(hs, hook{h, v})
		}
	}
	in.link(func() {
		for _, h := range hs {
			f := l.findFunction(h.v)
			if f == nil {
				continue
			}
			f.Triggers = append(f.Triggers, &model.Trigger{Kind: model.TriggerUserPool, Type: "aws_cognito_user_pool", Name: h.name,
				Pos: h.v.Pos, Source: model.Str(r.Name, r.Pos), SourceID: r.ID})
			l.edge(f.ID, r.ID, model.EdgeTriggeredBy, h.v.Pos)
		}
	})
}

type ruleInfo struct {
	schedule, pattern model.Value
}

func (in *inst) eventRule() {
	l := in.m.l
	in.newResource(model.KindEventRule, model.AWS)
	in.nameIt(in.a("name"))
	l.rules[in.id] = ruleInfo{schedule: in.a("schedule_expression"), pattern: in.a("event_pattern")}
}

func (in *inst) eventTarget() {
	l := in.m.l
	arn := in.a("arn")
	rule := in.a("rule")
	if in.deployed.IsFalse() {
		return
	}
	in.link(func() {
		f := l.findFunction(arn)
		if f == nil {
			// Targets are often queues, topics or state machines; only a
			// function target that is missing deserves a note.
			if strings.Contains(arn.Expr, "lambda") || strings.Contains(arn.V, ":lambda:") {
				in.notFound("function", arn)
			}
			return
		}
		t := &model.Trigger{Kind: model.TriggerEventBus, Type: "aws_cloudwatch_event_target", Name: in.name(), Pos: in.pos, Source: rule}
		if r := l.target(rule, "aws_cloudwatch_event_rule"); r != nil {
			t.SourceID = r.ID
			ri := l.rules[r.ID]
			if ri.schedule.IsSet() {
				t.Kind = model.TriggerSchedule
				t.Schedule = ri.schedule
			}
			t.Filter = ri.pattern
			l.edge(f.ID, r.ID, model.EdgeTriggeredBy, in.pos)
		}
		f.Triggers = append(f.Triggers, t)
	})
}

func (in *inst) wafAssociation() {
	l := in.m.l
	target := in.a("resource_arn")
	acl := in.a("web_acl_arn")
	if in.deployed.IsFalse() {
		return
	}
	in.link(func() {
		r := l.target(target)
		if r == nil {
			in.notFound("resource", target)
			return
		}
		r.SetAttr(model.AttrWebACL, acl)
		l.edge(in.id, r.ID, model.EdgeAttached, in.pos)
	})
}

// commonEdges adds the edges every framework shares: environment
// variables and settings that reference resources, and keys that encrypt.
func (l *loader) commonEdges() {
	for _, f := range l.app.Functions {
		for _, e := range f.Environment {
			if l.known(e.Value.Ref) {
				l.edge(f.ID, e.Value.Ref, model.EdgeReferences, e.Pos)
			}
		}
		for _, v := range []model.Value{f.DeadLetter, f.OnFailure, f.EnvKMSKey} {
			if l.known(v.Ref) {
				l.edge(f.ID, v.Ref, model.EdgeReferences, v.Pos)
			}
		}
	}
	for _, r := range l.app.Resources {
		if k := r.Attr(model.AttrKMSKey); k.Ref != "" {
			if kr := l.resByID[k.Ref]; kr != nil && kr.Kind == model.KindKey {
				l.edge(kr.ID, r.ID, model.EdgeEncrypts, k.Pos)
			}
		}
		if a := r.Attr(model.AttrAPI); a.Ref != "" && l.resByID[a.Ref] != nil {
			l.edge(r.ID, a.Ref, model.EdgeAttached, a.Pos)
		}
	}
	seen := map[model.Edge]bool{}
	out := l.app.Edges[:0]
	for _, e := range l.app.Edges {
		k := e
		k.Pos = model.Pos{}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, e)
	}
	l.app.Edges = out
}

func (l *loader) known(id string) bool {
	return id != "" && (l.fnByID[id] != nil || l.roleByID[id] != nil || l.resByID[id] != nil)
}
