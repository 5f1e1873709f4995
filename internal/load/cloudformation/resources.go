package cloudformation

import (
	"strings"

	"github.com/wardensec/warden/internal/model"
	"github.com/wardensec/warden/internal/source"
)

// buildPrimary creates the functions, roles and resources that other
// resources attach to.
func (d *doc) buildPrimary(r *res) {
	switch r.typ {
	case "AWS::Lambda::Function":
		d.function(r, false)
	case "AWS::Serverless::Function":
		d.function(r, true)
	case "AWS::IAM::Role":
		d.roleFromProps(r, d.props(r))
	case "AWS::S3::Bucket":
		d.bucket(r)
	case "AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable":
		d.table(r)
	case "AWS::SQS::Queue":
		p := d.props(r)
		m := d.newResource(r, model.KindQueue)
		if !setKMS(m, p.get("KmsMasterKeyId").str()) {
			if s := p.get("SqsManagedSseEnabled").str(); s.IsSet() {
				m.SetAttr(model.AttrEncryption, boolMap(s, "provider", "none"))
			}
		}
		setAttr(m, model.AttrDeadLetterTarget, p.path("RedrivePolicy", "deadLetterTargetArn").str())
		setAttr(m, model.AttrVisibilityTimeout, p.get("VisibilityTimeout").str())
		setAttr(m, model.AttrMessageRetention, p.get("MessageRetentionPeriod").str())
	case "AWS::SNS::Topic":
		p := d.props(r)
		m := d.newResource(r, model.KindTopic)
		setKMS(m, p.get("KmsMasterKeyId").str())
	case "AWS::Kinesis::Stream":
		p := d.props(r)
		m := d.newResource(r, model.KindStream)
		if e := p.get("StreamEncryption"); e != nil {
			t := e.get("EncryptionType").str()
			if t.Is("KMS") {
				m.SetAttr(model.AttrEncryption, model.Str("kms", t.Pos))
			} else if t.IsSet() {
				m.SetAttr(model.AttrEncryption, normalised(t, map[string]string{"none": "none"}))
			}
			setAttr(m, model.AttrKMSKey, e.get("KeyId").str())
		}
	case "AWS::KMS::Key":
		p := d.props(r)
		m := d.newResource(r, model.KindKey)
		setAttr(m, model.AttrKeyRotation, p.get("EnableKeyRotation").str())
		if kp := p.get("KeyPolicy"); kp != nil {
			m.Policies = append(m.Policies, d.policyDoc(kp, model.Value{}, "AWS::KMS::Key", p.keyPos("KeyPolicy")))
		}
	case "AWS::SecretsManager::Secret":
		p := d.props(r)
		m := d.newResource(r, model.KindSecret)
		setKMS(m, p.get("KmsKeyId").str())
		setAttr(m, model.AttrValue, p.get("SecretString").str())
	case "AWS::SSM::Parameter":
		p := d.props(r)
		m := d.newResource(r, model.KindParameter)
		setAttr(m, model.AttrParameterType, p.get("Type").str())
		setAttr(m, model.AttrParameterName, p.get("Name").str())
		setAttr(m, model.AttrValue, p.get("Value").str())
	case "AWS::Logs::LogGroup":
		p := d.props(r)
		m := d.newResource(r, model.KindLogGroup)
		setAttr(m, model.AttrRetentionDays, p.get("RetentionInDays").str())
		setKMS(m, p.get("KmsKeyId").str())
		setAttr(m, "log_group_name", p.get("LogGroupName").str())
	case "AWS::Cognito::UserPool":
		p := d.props(r)
		m := d.newResource(r, model.KindUserPool)
		pp := p.path("Policies", "PasswordPolicy")
		setAttr(m, model.AttrPasswordMinLength, pp.get("MinimumLength").str())
		setAttr(m, model.AttrPasswordUpper, pp.get("RequireUppercase").str())
		setAttr(m, model.AttrPasswordLower, pp.get("RequireLowercase").str())
		setAttr(m, model.AttrPasswordNumbers, pp.get("RequireNumbers").str())
		setAttr(m, model.AttrPasswordSymbols, pp.get("RequireSymbols").str())
		setAttr(m, model.AttrMFA, p.get("MfaConfiguration").str())
		setAttr(m, model.AttrAdvancedSecurity, p.path("UserPoolAddOns", "AdvancedSecurityMode").str())
	case "AWS::Cognito::UserPoolClient":
		p := d.props(r)
		m := d.newResource(r, model.KindUserPoolClient)
		up := p.get("UserPoolId").str()
		setAttr(m, "user_pool", up)
		setAttr(m, "generate_secret", p.get("GenerateSecret").str())
		setList(m, "explicit_auth_flows", p.get("ExplicitAuthFlows").strs())
		setList(m, "allowed_oauth_flows", p.get("AllowedOAuthFlows").strs())
		setList(m, "callback_urls", p.get("CallbackURLs").strs())
		d.edge(m.ID, up.Ref, model.EdgeAttached, m.Pos)
	case "AWS::StepFunctions::StateMachine":
		p := d.props(r)
		m := d.newResource(r, model.KindStateMachine)
		setAttr(m, "type", p.get("StateMachineType").str())
		setAttr(m, model.AttrExecutionLogLevel, p.path("LoggingConfiguration", "Level").str())
		setAttr(m, model.AttrTracingEnabled, p.path("TracingConfiguration", "Enabled").str())
		rv := p.get("RoleArn").str()
		setAttr(m, "role", rv)
		d.edge(m.ID, d.refTo(rv, "AWS::IAM::Role"), model.EdgeUsesRole, rv.Pos)
	case "AWS::Lambda::LayerVersion", "AWS::Serverless::LayerVersion":
		p := d.props(r)
		m := d.newResource(r, model.KindLayer)
		setAttr(m, "layer_name", p.get("LayerName").str())
		setList(m, "compatible_runtimes", p.get("CompatibleRuntimes").strs())
	case "AWS::ApiGateway::RestApi":
		p := d.props(r)
		m := d.newResource(r, model.KindAPI)
		m.SetAttr(model.AttrProtocol, model.Str("REST", r.pos))
		if t := p.path("EndpointConfiguration", "Types").list(); len(t) > 0 {
			m.SetAttr(model.AttrEndpointType, t[0].str())
		}
		setAttr(m, model.AttrDisableExecuteAPIEndpoint, p.get("DisableExecuteApiEndpoint").str())
		setAttr(m, "api_key_source", p.get("ApiKeySourceType").str())
		if pol := p.get("Policy"); pol != nil {
			m.Policies = append(m.Policies, d.policyDoc(pol, model.Value{}, "AWS::ApiGateway::RestApi", p.keyPos("Policy")))
		}
		if p.get("Body") != nil || p.get("BodyS3Location") != nil {
			m.SetAttr("openapi_definition", model.Str("true", p.keyPos("Body")))
		}
	case "AWS::ApiGatewayV2::Api":
		p := d.props(r)
		m := d.newResource(r, model.KindAPI)
		proto := p.get("ProtocolType").str()
		if proto.IsSet() {
			m.SetAttr(model.AttrProtocol, normalised(proto, map[string]string{"http": "HTTP", "websocket": "WEBSOCKET"}))
		}
		setAttr(m, model.AttrDisableExecuteAPIEndpoint, p.get("DisableExecuteApiEndpoint").str())
		if p.get("Body") != nil || p.get("BodyS3Location") != nil {
			m.SetAttr("openapi_definition", model.Str("true", r.pos))
		}
	case "AWS::ApiGateway::Authorizer", "AWS::ApiGatewayV2::Authorizer":
		p := d.props(r)
		m := d.newResource(r, model.KindAuthorizer)
		t := p.get("Type").str()
		if r.typ == "AWS::ApiGatewayV2::Authorizer" {
			t = p.get("AuthorizerType").str()
		}
		if t.IsSet() {
			m.SetAttr("auth_type", normalised(t, map[string]string{"token": model.AuthCustom, "request": model.AuthCustom, "cognito_user_pools": model.AuthCognito, "jwt": model.AuthJWT}))
		}
		api := p.get("RestApiId").str()
		if !api.IsSet() {
			api = p.get("ApiId").str()
		}
		setAttr(m, model.AttrAPI, api)
		setList(m, "provider_arns", p.get("ProviderARNs").strs())
		setAttr(m, "authorizer_uri", p.get("AuthorizerUri").str())
	case "AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage":
		d.stage(r)
	case "AWS::ApiGateway::UsagePlan":
		p := d.props(r)
		m := d.newResource(r, model.KindUsagePlan)
		for _, s := range p.get("ApiStages").list() {
			m.Lists = appendList(m.Lists, model.AttrUsagePlanAPIs, s.get("ApiId").str())
		}
		setAttr(m, model.AttrThrottleRate, p.path("Throttle", "RateLimit").str())
		setAttr(m, model.AttrThrottleBurst, p.path("Throttle", "BurstLimit").str())
	case "AWS::ApiGateway::ApiKey":
		p := d.props(r)
		m := d.newResource(r, model.KindAPIKey)
		setAttr(m, "enabled", p.get("Enabled").str())
		setAttr(m, model.AttrValue, p.get("Value").str())
	case "AWS::ApiGateway::DomainName":
		p := d.props(r)
		m := d.newResource(r, model.KindDomain)
		setAttr(m, model.AttrMinTLS, p.get("SecurityPolicy").str())
		if t := p.path("EndpointConfiguration", "Types").list(); len(t) > 0 {
			m.SetAttr(model.AttrEndpointType, t[0].str())
		}
	case "AWS::ApiGatewayV2::DomainName":
		p := d.props(r)
		m := d.newResource(r, model.KindDomain)
		if c := p.get("DomainNameConfigurations").list(); len(c) > 0 {
			setAttr(m, model.AttrMinTLS, c[0].get("SecurityPolicy").str())
			setAttr(m, model.AttrEndpointType, c[0].get("EndpointType").str())
		}
	case "AWS::Events::Rule":
		p := d.props(r)
		m := d.newResource(r, model.KindEventRule)
		setAttr(m, "schedule", p.get("ScheduleExpression").str())
		setAttr(m, "event_pattern", p.get("EventPattern").asJSON())
		setAttr(m, "state", p.get("State").str())
	case "AWS::ApiGateway::Method", "AWS::ApiGatewayV2::Route":
		d.newResource(r, model.KindRoute)
	case "AWS::CloudFormation::Stack", "AWS::Serverless::Application":
		d.diag(r.pos, model.DiagInfo, "unsupported", "nested stack %s is not loaded from here; scan its template directly if it is in the repository", r.name)
	}
}

// buildAttachment handles resources that modify or connect others.
func (d *doc) buildAttachment(r *res) {
	switch r.typ {
	case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
		d.iamPolicy(r)
	case "AWS::S3::BucketPolicy":
		p := d.props(r)
		d.resourcePolicy(r, p, []*node{p.get("Bucket")}, "PolicyDocument")
	case "AWS::SQS::QueuePolicy":
		p := d.props(r)
		d.resourcePolicy(r, p, p.get("Queues").list(), "PolicyDocument")
	case "AWS::SNS::TopicPolicy":
		p := d.props(r)
		d.resourcePolicy(r, p, p.get("Topics").list(), "PolicyDocument")
	case "AWS::Lambda::Permission":
		if r.deployed.IsFalse() {
			return
		}
		p := d.props(r)
		fr := p.get("FunctionName").str()
		perm := &model.Permission{ID: r.id, Provider: model.AWS, Framework: d.fw, Pos: r.pos, FunctionRef: fr,
			Action: p.get("Action").str(), Principal: p.get("Principal").str(), SourceArn: p.get("SourceArn").str(),
			SourceAccount: p.get("SourceAccount").str(), URLAuthType: p.get("FunctionUrlAuthType").str()}
		if f := d.fnFor(fr); f != nil {
			perm.FunctionID = f.ID
		}
		d.app.Permissions = append(d.app.Permissions, perm)
	case "AWS::Lambda::Url":
		if r.deployed.IsFalse() {
			return
		}
		p := d.props(r)
		target := p.get("TargetFunctionArn").str()
		f := d.fnFor(target)
		if f == nil {
			d.diag(r.pos, model.DiagInfo, "unresolved", "function URL %s targets %s, which is not a function of this template", r.name, target)
			return
		}
		f.URL = &model.FunctionURL{Pos: r.pos, AuthType: authValue(p.get("AuthType").str()), CORS: corsOf(p.get("Cors"))}
	case "AWS::Lambda::EventSourceMapping":
		d.eventSourceMapping(r)
	case "AWS::Lambda::EventInvokeConfig":
		p := d.props(r)
		if f := d.fnFor(p.get("FunctionName").str()); f != nil {
			f.AsyncMaxRetries = p.get("MaximumRetryAttempts").str()
			f.AsyncMaxEventAge = p.get("MaximumEventAgeInSeconds").str()
			if v := p.path("DestinationConfig", "OnFailure", "Destination").str(); v.IsSet() {
				f.OnFailure = v
			}
		}
	case "AWS::ApiGateway::Method":
		d.restMethod(r)
	case "AWS::ApiGatewayV2::Route":
		d.httpRoute(r)
	case "AWS::ApiGatewayV2::Api":
		// Quick create: Target makes a $default route to the function.
		p := d.props(r)
		if t := p.get("Target").str(); t.IsSet() {
			if f := d.fnFor(t); f != nil {
				tr := &model.Trigger{Kind: model.TriggerHTTP, Type: r.typ, Name: r.name, Pos: p.keyPos("Target"),
					Method: model.Str("ANY", p.keyPos("Target")), Path: model.Str("$default", p.keyPos("Target")), APIID: r.id,
					AuthType: model.Str(model.AuthNone, p.keyPos("Target")), CORS: corsOf(p.get("CorsConfiguration"))}
				d.addTrigger(f, tr, r.id)
			}
		}
	case "AWS::S3::Bucket":
		p := d.props(r)
		for _, lc := range p.path("NotificationConfiguration", "LambdaConfigurations").list() {
			fv := lc.get("Function").str()
			f := d.fnFor(fv)
			if f == nil {
				continue
			}
			tr := &model.Trigger{Kind: model.TriggerStorage, Type: "S3", Name: r.name, Pos: lc.pos,
				Source: model.Value{State: model.Unknown, Expr: "!Ref " + r.name, Pos: r.pos, Ref: r.id}, SourceID: r.id,
				Filter: lc.get("Filter").asJSON()}
			setTriggerAttr(tr, "events", lc.get("Event").str())
			d.addTrigger(f, tr, r.id)
		}
	case "AWS::SNS::Topic":
		p := d.props(r)
		for _, s := range p.get("Subscription").list() {
			d.snsSubscription(r.id, model.Value{State: model.Unknown, Expr: "!Ref " + r.name, Pos: r.pos, Ref: r.id}, s.get("Protocol").str(), s.get("Endpoint").str(), s.pos, r.name, nil)
		}
	case "AWS::SNS::Subscription":
		p := d.props(r)
		topic := p.get("TopicArn").str()
		d.snsSubscription(d.refTo(topic, "AWS::SNS::Topic"), topic, p.get("Protocol").str(), p.get("Endpoint").str(), r.pos, r.name, p.get("FilterPolicy"))
	case "AWS::Events::Rule":
		d.eventsRule(r)
	case "AWS::Cognito::UserPool":
		p := d.props(r)
		p.get("LambdaConfig").each(func(k string, kpos model.Pos, v *node) {
			if f := d.fnFor(v.str()); f != nil {
				tr := &model.Trigger{Kind: model.TriggerUserPool, Type: "Cognito", Name: k, Pos: kpos,
					Source: model.Value{State: model.Unknown, Expr: "!Ref " + r.name, Pos: r.pos, Ref: r.id}, SourceID: r.id}
				d.addTrigger(f, tr, r.id)
			}
		})
	case "AWS::SecretsManager::RotationSchedule":
		p := d.props(r)
		sec := p.get("SecretId").str()
		m := d.rsc[d.refTo(sec, "AWS::SecretsManager::Secret")]
		if m == nil {
			d.diag(r.pos, model.DiagInfo, "unresolved", "rotation schedule %s targets a secret that is not in this template", r.name)
			return
		}
		if r.deployed.IsFalse() {
			return
		}
		m.SetAttr(model.AttrRotationEnabled, model.Str("true", r.pos))
		if days := p.path("RotationRules", "AutomaticallyAfterDays").str(); days.IsSet() {
			m.SetAttr(model.AttrRotationDays, days)
		} else if e := p.path("RotationRules", "ScheduleExpression").str(); e.IsSet() {
			m.SetAttr("rotation_schedule", e)
		}
		d.edge(r.id, m.ID, model.EdgeAttached, r.pos)
	case "AWS::WAFv2::WebACLAssociation":
		p := d.props(r)
		target := p.get("ResourceArn").str()
		acl := p.get("WebACLArn").str()
		w := d.newResource(r, model.KindWAF)
		setAttr(w, model.AttrWebACL, acl)
		setAttr(w, "target", target)
		m := d.rsc[target.Ref]
		if m == nil {
			d.diag(r.pos, model.DiagInfo, "unresolved", "WAF association %s targets %s, which Warden cannot match to an API or stage of this template", r.name, target)
			return
		}
		if !r.deployed.IsFalse() {
			m.SetAttr(model.AttrWebACL, acl)
			// A stage ARN names its API; mark the stages of that API too.
			if m.Kind == model.KindAPI {
				for _, s := range d.app.Resources {
					if s.Kind == model.KindStage && s.Attr(model.AttrAPI).Ref == m.ID && target.IsUnknown() && stageInARN(target.Expr, s) {
						s.SetAttr(model.AttrWebACL, acl)
					}
				}
			}
		}
		d.edge(r.id, m.ID, model.EdgeAttached, r.pos)
	}
}

// isModel reports whether id names an element of the model (not, say, a
// VPC the template declares but Warden does not model), so that edges and
// SourceIDs never dangle.
func (d *doc) isModel(id string) bool {
	if id == "" {
		return false
	}
	return d.rsc[id] != nil || d.fns[id] != nil || d.roles[id] != nil
}

// stageInARN reports whether an API Gateway stage ARN expression names s.
func stageInARN(expr string, s *model.Resource) bool {
	name := s.Attr("stage_name")
	if !name.IsKnown() {
		return false
	}
	return strings.HasSuffix(expr, "/stages/"+name.V)
}

// function builds an AWS::Lambda::Function or AWS::Serverless::Function.
func (d *doc) function(r *res, sam bool) {
	p := d.props(r)
	f := &model.Function{ID: r.id, Name: r.name, Provider: model.AWS, Framework: d.fw, Pos: r.pos, Deployed: r.deployed}
	f.FunctionName = p.get("FunctionName").str()
	f.Runtime = p.get("Runtime").str()
	f.Handler = p.get("Handler").str()
	f.PackageType = p.get("PackageType").str()
	f.MemoryMB = p.get("MemorySize").str()
	f.TimeoutSec = p.get("Timeout").str()
	f.ReservedConc = p.get("ReservedConcurrentExecutions").str()
	if a := p.get("Architectures").list(); len(a) > 0 {
		f.Architecture = a[0].str()
	}
	f.Layers = p.get("Layers").strs()
	f.EnvKMSKey = p.get("KmsKeyArn").str()
	f.RoleRef = p.get("Role").str()
	if sam {
		f.Tracing = p.get("Tracing").str()
		if cu := p.get("CodeUri"); cu != nil {
			f.CodePath = d.codePath(cu)
		} else if ic := p.get("InlineCode"); ic != nil {
			f.CodePath = model.Str(d.file, ic.pos)
		}
		if iu := p.get("ImageUri").str(); iu.IsSet() && !f.PackageType.IsSet() {
			f.PackageType = model.Str("Image", iu.Pos)
		}
		f.DeadLetter = p.path("DeadLetterQueue", "TargetArn").str()
		if eic := p.get("EventInvokeConfig"); eic != nil {
			f.AsyncMaxRetries = eic.get("MaximumRetryAttempts").str()
			f.AsyncMaxEventAge = eic.get("MaximumEventAgeInSeconds").str()
			f.OnFailure = eic.path("DestinationConfig", "OnFailure", "Destination").str()
		}
		if u := p.get("FunctionUrlConfig"); u != nil {
			f.URL = &model.FunctionURL{Pos: p.keyPos("FunctionUrlConfig"), AuthType: authValue(u.get("AuthType").str()), CORS: corsOf(u.get("Cors"))}
		}
	} else {
		f.Tracing = p.path("TracingConfig", "Mode").str()
		f.DeadLetter = p.path("DeadLetterConfig", "TargetArn").str()
		if code := p.get("Code"); code != nil {
			if code.get("ZipFile") != nil {
				f.CodePath = model.Str(d.file, code.get("ZipFile").pos)
			}
			if iu := code.get("ImageUri").str(); iu.IsSet() && !f.PackageType.IsSet() {
				f.PackageType = model.Str("Image", iu.Pos)
			}
		}
	}
	if vpc := p.get("VpcConfig"); vpc != nil {
		f.VPC = &model.VPCConfig{Pos: p.keyPos("VpcConfig"), SubnetIDs: vpc.get("SubnetIds").strs(), SecurityGroupIDs: vpc.get("SecurityGroupIds").strs()}
	}
	if lg := p.path("LoggingConfig", "LogGroup").str(); lg.IsSet() {
		f.SetAttr("log_group", lg)
	}
	p.path("Environment", "Variables").each(func(k string, kpos model.Pos, v *node) {
		f.Environment = append(f.Environment, model.EnvVar{Name: k, Value: v.str(), Pos: kpos})
	})
	d.fns[f.ID] = f
	d.app.Functions = append(d.app.Functions, f)
}

// codePath resolves a SAM CodeUri to a path inside the scan root.
func (d *doc) codePath(cu *node) model.Value {
	v := cu.str()
	if cu.k == nMap {
		// {Bucket, Key}: code in S3, not in the repository.
		return model.Value{}
	}
	if !v.IsKnown() {
		return v
	}
	if strings.HasPrefix(v.V, "s3://") {
		return model.Value{}
	}
	p, err := source.Join(d.file, v.V)
	if err != nil {
		d.diag(v.Pos, model.DiagWarning, "outside-root", "CodeUri %s points outside the scanned root; the code is not analysed", v.V)
		return model.Unresolved(v.V, v.Pos)
	}
	return model.Str(p, v.Pos)
}

func (d *doc) bucket(r *res) {
	p := d.props(r)
	m := d.newResource(r, model.KindBucket)
	if rules := p.path("BucketEncryption", "ServerSideEncryptionConfiguration").list(); len(rules) > 0 {
		def := rules[0].get("ServerSideEncryptionByDefault")
		alg := def.get("SSEAlgorithm").str()
		if alg.IsSet() {
			if alg.IsKnown() && strings.HasPrefix(strings.ToLower(alg.V), "aws:kms") {
				m.SetAttr(model.AttrEncryption, model.Str("kms", alg.Pos))
			} else {
				m.SetAttr(model.AttrEncryption, normalised(alg, map[string]string{"aes256": "provider"}))
			}
		}
		setAttr(m, model.AttrKMSKey, def.get("KMSMasterKeyID").str())
	}
	pab := p.get("PublicAccessBlockConfiguration")
	setAttr(m, model.AttrBlockPublicACLs, pab.get("BlockPublicAcls").str())
	setAttr(m, model.AttrIgnorePublicACLs, pab.get("IgnorePublicAcls").str())
	setAttr(m, model.AttrBlockPublicPolicy, pab.get("BlockPublicPolicy").str())
	setAttr(m, model.AttrRestrictPublicBuckets, pab.get("RestrictPublicBuckets").str())
	if acl := p.get("AccessControl").str(); acl.IsSet() {
		m.SetAttr(model.AttrACL, normalised(acl, map[string]string{
			"private": "private", "publicread": "public-read", "publicreadwrite": "public-read-write",
			"authenticatedread": "authenticated-read", "logdeliverywrite": "log-delivery-write",
			"bucketownerread": "bucket-owner-read", "bucketownerfullcontrol": "bucket-owner-full-control",
			"awsexecread": "aws-exec-read",
		}))
	}
	setAttr(m, model.AttrVersioning, p.path("VersioningConfiguration", "Status").str())
	if lc := p.get("LoggingConfiguration"); lc != nil {
		dst := lc.get("DestinationBucketName").str()
		if !dst.IsSet() {
			dst = model.Str("(same bucket)", p.keyPos("LoggingConfiguration"))
		}
		m.SetAttr(model.AttrAccessLogging, dst)
	}
	if rules := p.path("OwnershipControls", "Rules").list(); len(rules) > 0 {
		setAttr(m, model.AttrObjectOwnership, rules[0].get("ObjectOwnership").str())
	}
	setAttr(m, "bucket_name", p.get("BucketName").str())
}

func (d *doc) table(r *res) {
	p := d.props(r)
	m := d.newResource(r, model.KindTable)
	if sse := p.get("SSESpecification"); sse != nil {
		on := sse.get("SSEEnabled").str()
		switch {
		case on.IsTrue():
			m.SetAttr(model.AttrEncryption, model.Str("kms", on.Pos))
		case on.IsFalse():
			m.SetAttr(model.AttrEncryption, model.Str("provider", on.Pos))
		case on.IsUnknown():
			m.SetAttr(model.AttrEncryption, on)
		}
		setAttr(m, model.AttrKMSKey, sse.get("KMSMasterKeyId").str())
	}
	setAttr(m, model.AttrPointInTimeRecovery, p.path("PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled").str())
	setAttr(m, model.AttrStreamViewType, p.path("StreamSpecification", "StreamViewType").str())
	setAttr(m, model.AttrBillingMode, p.get("BillingMode").str())
	setAttr(m, "table_name", p.get("TableName").str())
}

func (d *doc) stage(r *res) {
	p := d.props(r)
	m := d.newResource(r, model.KindStage)
	api := p.get("RestApiId").str()
	if !api.IsSet() {
		api = p.get("ApiId").str()
	}
	setAttr(m, model.AttrAPI, api)
	setAttr(m, "stage_name", p.get("StageName").str())
	als := p.get("AccessLogSetting")
	if als == nil {
		als = p.get("AccessLogSettings")
	}
	if als != nil {
		dst := als.get("DestinationArn").str()
		if !dst.IsSet() {
			dst = model.Unresolved("(AccessLogSetting without DestinationArn)", p.keyPos("AccessLogSetting"))
		}
		m.SetAttr(model.AttrAccessLog, dst)
	}
	setAttr(m, model.AttrTracingEnabled, p.get("TracingEnabled").str())
	d.methodSettings(m, p.get("MethodSettings"), p.get("DefaultRouteSettings"))
	setAttr(m, "client_certificate", p.get("ClientCertificateId").str())
	d.edge(m.ID, api.Ref, model.EdgeAttached, r.pos)
}

// methodSettings reads the stage-wide ("/*/*") method settings of a REST
// stage, or the default route settings of an HTTP/WebSocket stage.
func (d *doc) methodSettings(m *model.Resource, ms, def *node) {
	for _, s := range ms.list() {
		path, method := s.get("ResourcePath").str(), s.get("HttpMethod").str()
		if (path.IsSet() && !path.Is("/*")) || (method.IsSet() && !method.Is("*")) {
			continue
		}
		setAttr(m, model.AttrExecutionLogLevel, s.get("LoggingLevel").str())
		setAttr(m, model.AttrThrottleRate, s.get("ThrottlingRateLimit").str())
		setAttr(m, model.AttrThrottleBurst, s.get("ThrottlingBurstLimit").str())
		if s.get("CachingEnabled").str().IsTrue() {
			enc := s.get("CacheDataEncrypted").str()
			if !enc.IsSet() {
				enc = model.Str("false", s.pos)
			}
			m.SetAttr(model.AttrCacheEncrypted, enc)
		}
	}
	if def != nil {
		setAttr(m, model.AttrExecutionLogLevel, def.get("LoggingLevel").str())
		setAttr(m, model.AttrThrottleRate, def.get("ThrottlingRateLimit").str())
		setAttr(m, model.AttrThrottleBurst, def.get("ThrottlingBurstLimit").str())
	}
}

// iamPolicy attaches an AWS::IAM::Policy or ManagedPolicy to the roles it
// lists; roles that name it in ManagedPolicyArns get it in link().
func (d *doc) iamPolicy(r *res) {
	p := d.props(r)
	name := p.get("PolicyName").str()
	if !name.IsSet() {
		name = p.get("ManagedPolicyName").str()
	}
	pol := d.policyDoc(p.get("PolicyDocument"), name, r.typ, p.keyPos("PolicyDocument"))
	if r.deployed.IsFalse() {
		return
	}
	d.policies[r.id] = pol
	for _, rv := range p.get("Roles").list() {
		v := rv.str()
		role := d.roles[v.Ref]
		if role == nil && v.IsKnown() {
			for _, cand := range d.app.Roles {
				if cand.RoleName.IsKnown() && cand.RoleName.V == v.V {
					role = cand
				}
			}
		}
		if role == nil {
			d.diag(v.PosOr(r.pos), model.DiagInfo, "unresolved", "%s %s is attached to role %s, which is not a role of this template", r.typ, r.name, v)
			continue
		}
		role.Policies = append(role.Policies, pol)
		d.attached[r.id+"\x00"+role.ID] = true
		d.edge(r.id, role.ID, model.EdgeAttached, v.Pos)
	}
}

// resourcePolicy attaches a bucket, queue or topic policy to its targets.
func (d *doc) resourcePolicy(r *res, p *node, targets []*node, key string) {
	pol := d.policyDoc(p.get(key), model.Str(r.name, r.pos), r.typ, p.keyPos(key))
	if r.deployed.IsFalse() {
		return
	}
	for _, t := range targets {
		v := t.str()
		m := d.rsc[v.Ref]
		if m == nil && v.IsKnown() {
			for _, cand := range d.app.Resources {
				if n := cand.Attr("bucket_name"); n.IsKnown() && n.V == v.V {
					m = cand
				}
			}
		}
		if m == nil {
			d.diag(v.PosOr(r.pos), model.DiagInfo, "unresolved", "%s %s applies to %s, which is not a resource of this template", r.typ, r.name, v)
			continue
		}
		m.Policies = append(m.Policies, pol)
		d.edge(r.id, m.ID, model.EdgeAttached, v.PosOr(r.pos))
	}
}

func (d *doc) eventSourceMapping(r *res) {
	p := d.props(r)
	fv := p.get("FunctionName").str()
	f := d.fnFor(fv)
	if f == nil {
		d.diag(r.pos, model.DiagInfo, "unresolved", "event source mapping %s targets %s, which is not a function of this template", r.name, fv)
		return
	}
	src := p.get("EventSourceArn").str()
	kind, typ := model.TriggerStream, "EventSourceMapping"
	switch d.rscTypes[src.Ref] {
	case "AWS::SQS::Queue":
		kind = model.TriggerQueue
	}
	if src.IsKnown() && strings.Contains(src.V, ":sqs:") {
		kind = model.TriggerQueue
	}
	if src.IsUnknown() && strings.Contains(src.Expr, ".QueueArn") {
		kind = model.TriggerQueue
	}
	tr := &model.Trigger{Kind: kind, Type: typ, Name: r.name, Pos: r.pos, Source: src, SourceID: src.Ref,
		BatchSize: p.get("BatchSize").str(), Enabled: p.get("Enabled").str(),
		OnFailure: p.path("DestinationConfig", "OnFailure", "Destination").str(),
		Filter:    p.get("FilterCriteria").asJSON()}
	if r.deployed.IsFalse() {
		tr.Enabled = r.deployed
	}
	d.addTrigger(f, tr, src.Ref)
}

func (d *doc) snsSubscription(topicID string, topic, protocol, endpoint model.Value, pos model.Pos, name string, filter *node) {
	if !protocol.Is("lambda") {
		return
	}
	f := d.fnFor(endpoint)
	if f == nil {
		return
	}
	tr := &model.Trigger{Kind: model.TriggerTopic, Type: "SNS", Name: name, Pos: pos, Source: topic, SourceID: topicID, Filter: filter.asJSON()}
	d.addTrigger(f, tr, topicID)
}

func (d *doc) eventsRule(r *res) {
	p := d.props(r)
	sched := p.get("ScheduleExpression").str()
	for _, t := range p.get("Targets").list() {
		f := d.fnFor(t.get("Arn").str())
		if f == nil {
			continue
		}
		tr := &model.Trigger{Kind: model.TriggerEventBus, Type: "AWS::Events::Rule", Name: r.name, Pos: t.pos,
			Source: model.Value{State: model.Unknown, Expr: "!Ref " + r.name, Pos: r.pos, Ref: r.id}, SourceID: r.id,
			Filter: p.get("EventPattern").asJSON(), Enabled: stateEnabled(p.get("State").str())}
		if sched.IsSet() {
			tr.Kind, tr.Schedule = model.TriggerSchedule, sched
		}
		if bus := p.get("EventBusName").str(); bus.IsSet() {
			setTriggerAttr(tr, "event_bus", bus)
		}
		d.addTrigger(f, tr, r.id)
	}
}

// stateEnabled maps an ENABLED/DISABLED state to a boolean.
func stateEnabled(s model.Value) model.Value {
	if !s.IsKnown() {
		return s
	}
	switch strings.ToUpper(s.V) {
	case "ENABLED":
		return model.Str("true", s.Pos)
	case "DISABLED":
		return model.Str("false", s.Pos)
	}
	return s
}

// addTrigger attaches a trigger and its edge.
func (d *doc) addTrigger(f *model.Function, tr *model.Trigger, sourceID string) {
	if !d.isModel(tr.SourceID) {
		tr.SourceID = ""
	}
	f.Triggers = append(f.Triggers, tr)
	if tr.IsHTTP() {
		if d.isModel(tr.APIID) {
			d.edge(tr.APIID, f.ID, model.EdgeServes, tr.Pos)
		}
		return
	}
	if d.isModel(sourceID) {
		d.edge(sourceID, f.ID, model.EdgeTriggeredBy, tr.Pos)
	}
}

// setKMS records a customer-managed key k (when set) as the resource's
// KMS key and its encryption as "kms", and reports whether it did.
func setKMS(m *model.Resource, k model.Value) bool {
	if !k.IsSet() {
		return false
	}
	m.SetAttr(model.AttrEncryption, model.Str("kms", k.Pos))
	m.SetAttr(model.AttrKMSKey, k)
	return true
}

// SetAttr on triggers lives here because model.Trigger has no helper.
func setTriggerAttr(t *model.Trigger, key string, v model.Value) {
	if !v.IsSet() {
		return
	}
	if t.Attrs == nil {
		t.Attrs = map[string]model.Value{}
	}
	t.Attrs[key] = v
}

// authValue normalises a Lambda URL or route auth type.
func authValue(v model.Value) model.Value {
	return normalised(v, map[string]string{
		"none": model.AuthNone, "aws_iam": model.AuthIAM, "custom": model.AuthCustom,
		"cognito_user_pools": model.AuthCognito, "jwt": model.AuthJWT,
	})
}

// normalised maps a known value through table (keys lower case), keeping
// its position; unknown and unlisted values pass through.
func normalised(v model.Value, table map[string]string) model.Value {
	if !v.IsKnown() {
		return v
	}
	if n, ok := table[strings.ToLower(v.V)]; ok {
		v.V = n
	}
	return v
}

// boolMap maps a known boolean to one of two words.
func boolMap(v model.Value, t, f string) model.Value {
	if b, ok := v.Bool(); ok {
		if b {
			return model.Str(t, v.Pos)
		}
		return model.Str(f, v.Pos)
	}
	return v
}

func setList(m *model.Resource, key string, vs []model.Value) {
	if len(vs) == 0 {
		return
	}
	if m.Lists == nil {
		m.Lists = map[string][]model.Value{}
	}
	m.Lists[key] = vs
}

func appendList(l map[string][]model.Value, key string, v model.Value) map[string][]model.Value {
	if l == nil {
		l = map[string][]model.Value{}
	}
	l[key] = append(l[key], v)
	return l
}

// corsOf reads a CORS configuration in its Lambda URL, HTTP API and SAM
// shapes (AllowOrigins / AllowOrigin, lists or single strings).
func corsOf(n *node) *model.CORS {
	if n == nil {
		return nil
	}
	c := &model.CORS{Pos: n.pos}
	switch n.k {
	case nScalar, nUnknown:
		v := n.v
		if v.IsKnown() {
			if b, ok := v.Bool(); ok {
				if !b {
					return nil
				}
				// CorsConfiguration: true allows every origin.
				c.AllowOrigins = []model.Value{model.Str("*", v.Pos)}
				return c
			}
			v.V = strings.Trim(v.V, "'")
		}
		c.AllowOrigins = []model.Value{v}
		return c
	}
	for _, k := range []string{"AllowOrigins", "AllowOrigin"} {
		for _, v := range n.get(k).strs() {
			if v.IsKnown() {
				v.V = strings.Trim(v.V, "'")
			}
			c.AllowOrigins = append(c.AllowOrigins, v)
		}
	}
	c.AllowCredentials = n.get("AllowCredentials").str()
	for _, k := range []string{"AllowMethods", "AllowMethod"} {
		c.AllowMethods = append(c.AllowMethods, n.get(k).strs()...)
	}
	for _, k := range []string{"AllowHeaders", "AllowHeader"} {
		c.AllowHeaders = append(c.AllowHeaders, n.get(k).strs()...)
	}
	return c
}
