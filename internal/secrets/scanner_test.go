package secrets

import (
	"strings"
	"testing"
)

// Fake credentials in the providers' real formats. None of them is live.
const (
	awsKeyID     = "AKIAZ7VQ3XK2MNB4PLRW"
	awsSecretKey = "q8Zr3fT1vLx9Wm2Kp7Yc4Nd6Hs0Bj5Ge8Ua1Ro3T"
	githubPAT    = "ghp_R8xT2mQ9vL4kZ7pW1nC6bH3yF5sJ0dG8aE2u"
	slackBot     = "xoxb-2847561930-4829175630284-Qm7Rk2Lp9Xv4Tn8Wc3Yd6Fh1"
	stripeLive   = "sk_live_51Hx8QmL2pR7vT9kW3nY6cB4dF0sJ1gA"
	sendgridKey  = "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"
	googleKey    = "AIzaSyD8xK3mQ7vL2pW9nC4bH6yF1sJ5dG0aE8u"
	twilioKey    = "SK4f9c2b7e1a8d3f6c0b5e9a2d7f1c4b8e"
	dbPassword   = "Xk9vQ2mL7pR4tW"
	mongoPass    = "Zq8Wm3Lp6Rt9Yv2N"
	adoPassword  = "Hq7Lz2Vm9Pw4Kt"
	jwtSecret    = "my-jwt-signing-secret-2024"
	privateKey   = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi8sRmq3oYYdYHm4zXRxLwjyPf8\nq1nJnBxT6u5KOt9E3oGKSmpWzHhZNRFb2nY7uZJ8s2f4RlKQw8VzTx1hQvKmN3pL\n-----END RSA PRIVATE KEY-----"
)

func scanner(t testing.TB) SecretScanner {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDetects(t *testing.T) {
	cases := []struct {
		name, file, src, rule, class, secret string
	}{
		{"aws key id", "app.py", `KEY = "` + awsKeyID + `"`, "aws-access-token", "cloud-credential", awsKeyID},
		{"aws secret key", "app.py", `aws_secret_access_key = "` + awsSecretKey + `"`, ruleAWSSecret, "cloud-credential", awsSecretKey},
		{"aws secret in serverless env", "serverless.yml", "provider:\n  environment:\n    AWS_SECRET_ACCESS_KEY: " + awsSecretKey + "\n", ruleAWSSecret, "cloud-credential", awsSecretKey},
		{"aws secret in terraform", "main.tf", "variables = {\n  SECRET_ACCESS_KEY = \"" + awsSecretKey + "\"\n}\n", ruleAWSSecret, "cloud-credential", awsSecretKey},
		{"aws secret key terraform provider", "providers.tf", "provider \"aws\" {\n  secret_key = \"" + awsSecretKey + "\"\n}\n", ruleAWSSecret, "cloud-credential", awsSecretKey},
		{"github pat", "index.js", `const gh = "` + githubPAT + `";`, "github-pat", "token", githubPAT},
		{"slack bot", "bot.rb", `SLACK = "` + slackBot + `"`, "slack-bot-token", "token", slackBot},
		{"stripe", "pay.ts", `const stripe = new Stripe("` + stripeLive + `");`, "stripe-access-token", "token", stripeLive},
		{"sendgrid", "mail.py", `sg = SendGridAPIClient("` + sendgridKey + `")`, "sendgrid-api-token", "token", sendgridKey},
		{"google", "maps.go", `const key = "` + googleKey + `"`, "gcp-api-key", "token", googleKey},
		{"twilio", "sms.java", `String sid = "` + twilioKey + `";`, "twilio-api-key", "token", twilioKey},
		{"private key", "deploy.sh", "cat > id_rsa <<EOF\n" + privateKey + "\nEOF\n", "private-key", "private-key", privateKey},
		{"postgres url", "db.py", `DSN = "postgres://app:` + dbPassword + `@db.internal:5432/orders"`, ruleConnURL, "password", dbPassword},
		{"sqlalchemy url", "db.py", `engine = create_engine("postgresql+psycopg2://app:` + dbPassword + `@db/x")`, ruleConnURL, "password", dbPassword},
		{"mongodb srv", "db.js", "const uri = `mongodb+srv://svc:" + mongoPass + "@cluster0.mongodb.net/app`;", ruleConnURL, "password", mongoPass},
		{"ado.net", "Db.cs", `var cs = "Server=tcp:sql.example.net,1433;Database=shop;User ID=app;Password=` + adoPassword + `;";`, ruleConnADO, "password", adoPassword},
		{"jwt secret python", "auth.py", `JWT_SECRET = "` + jwtSecret + `"`, ruleJWTName, "signing-key", jwtSecret},
		{"jwtSecret js object", "auth.js", `module.exports = { jwtSecret: '` + jwtSecret + `' };`, ruleJWTName, "signing-key", jwtSecret},
		{"jwt secret typescript", "auth.ts", `const jwtSecret: string = "` + jwtSecret + `";`, ruleJWTName, "signing-key", jwtSecret},
		{"jwt key go", "auth.go", `var jwtKey = []byte("` + jwtSecret + `")`, ruleJWTName, "signing-key", jwtSecret},
		{"jwt secret dotenv", ".env", "JWT_SECRET=" + jwtSecret + "\n", ruleJWTName, "signing-key", jwtSecret},
		{"flask secret key", "app.py", `app.config['SECRET_KEY'] = "` + jwtSecret + `"`, ruleJWTName, "signing-key", jwtSecret},
		{"jwt.sign literal", "login.js", `const t = jwt.sign({ sub: user.id }, "` + jwtSecret + `", { expiresIn: "1h" });`, ruleJWTCall, "signing-key", jwtSecret},
		{"jwt.encode literal", "login.py", `token = jwt.encode(payload, "` + jwtSecret + `", algorithm="HS256")`, ruleJWTCall, "signing-key", jwtSecret},
	}
	s := scanner(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := s.ScanFile(c.file, []byte(c.src))
			var hit *Finding
			for i := range got {
				if got[i].Rule == c.rule {
					hit = &got[i]
				}
			}
			if hit == nil {
				t.Fatalf("no %s finding; got %+v", c.rule, got)
			}
			if hit.Class != c.class {
				t.Errorf("class = %s, want %s", hit.Class, c.class)
			}
			if hit.Length != len([]rune(c.secret)) {
				t.Errorf("length = %d, want %d", hit.Length, len(c.secret))
			}
			if strings.Contains(hit.Redacted, c.secret) || !strings.HasPrefix(c.secret, hit.Prefix) {
				t.Errorf("redacted %q must be a prefix of the secret, not the secret", hit.Redacted)
			}
			// The position is the secret's, not the match's (which starts at the name).
			lines := strings.Split(c.src, "\n")
			line := lines[hit.Pos.Line-1]
			first, _, _ := strings.Cut(c.secret, "\n")
			if want := strings.Index(line, first) + 1; hit.Pos.Column != want {
				t.Errorf("column = %d, want %d in %q", hit.Pos.Column, want, line)
			}
		})
	}
}

func TestIgnores(t *testing.T) {
	cases := []struct{ name, file, src string }{
		{"aws documentation key", "app.py", `KEY = "AKIAIOSFODNN7EXAMPLE"` + "\n" + `aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"`},
		{"changeme", "serverless.yml", "environment:\n  DB_PASSWORD: changeme\n  JWT_SECRET: changeme\n"},
		{"angle placeholder", "config.yaml", "api_key: <your-key>\njwt_secret: \"<your-jwt-secret>\"\n"},
		{"interpolations", "serverless.yml", "environment:\n  JWT_SECRET: ${ssm:/prod/jwt}\n  SESSION_SECRET: ${self:custom.secret}\n  DB_URL: postgres://app:${env:DB_PASSWORD}@db:5432/x\n"},
		{"shell interpolation", "run.sh", `export JWT_SECRET="${SECRET}"` + "\npsql postgres://app:$PGPASSWORD@db/x\n"},
		{"env lookups python", "app.py", "JWT_SECRET = os.environ[\"JWT_SECRET\"]\nJWT_SECRET = os.getenv(\"JWT_SECRET\")\napi_key = os.environ.get('API_KEY')\n"},
		{"env lookups js", "app.js", "const jwtSecret = process.env.JWT_SECRET;\nconst { JWT_SECRET } = process.env;\njwt.sign(payload, process.env.JWT_SECRET);\n"},
		{"references by name", "template.yaml", "JwtSecretArn: arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt\nJWT_SECRET_NAME: prod/jwt-signing-secret\n"},
		{"resolve", "template.yaml", "JWT_SECRET: '{{resolve:secretsmanager:prod/jwt:SecretString:key}}'\n"},
		{"format placeholders", "db.py", "DSN = \"postgres://%s:%s@%s/db\"\nDSN2 = \"postgres://{user}:{password}@{host}/db\"\nCS = \"Server=db;Password={0};\"\n"},
		{"local default accounts", "docker.yml", "DATABASE_URL: postgres://postgres:postgres@localhost:5432/test\nAMQP: amqp://guest:guest@localhost:5672\n"},
		{"typed declaration without value", "auth.ts", "let jwtSecret: string;\nfunction sign(jwtSecret: string) {}\n"},
		{"integrity hash", "manifest.json", `{"integrity": "sha512-9c2b7e1a8d3f6c0b5e9a2d7f1c4b8e4f9c2b7e1a8d3f6c0b5e9a2d7f1c4b8e"}`},
		{"test file low entropy", "tests/test_auth.py", `api_key = "abcd1234abcd1234"`},
		{"gitleaks stopword", "auth.py", `JWT_SECRET = "abcdefghijklmnopqrstuvwxyz"`},
		{"gitleaks:allow comment", "auth.py", `JWT_SECRET = "` + jwtSecret + `"  # gitleaks:allow` + "\nGH = \"" + githubPAT + "\"  # gitleaks:allow\n"},
		{"vendored path", "node_modules/lib/auth.js", `const jwtSecret = "` + jwtSecret + `";`},
		{"made-up sequential value", "bench.go", `const benchAPIKey = "bench-key-0123456789"`},
		{"dotted expression", "diff.js", "var obj1KeysLength = obj1Keys.length;\n"},
		{"empty", "app.py", ""},
	}
	s := scanner(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := s.ScanFile(c.file, []byte(c.src)); len(got) != 0 {
				t.Errorf("false positive: %+v", got)
			}
		})
	}
}

// TestPositionsGolden pins 1-based lines and columns where gitleaks itself
// is inconsistent: the first line, later lines, CRLF files, a last line
// without a newline, non-ASCII text before the secret, and a secret whose
// value also appears earlier on the line.
func TestPositionsGolden(t *testing.T) {
	cases := []struct {
		name, src string
		line, col int
	}{
		{"first line", `K = "` + githubPAT + `"`, 1, 6},
		{"third line", "# c\n\n  token: \"" + githubPAT + "\"\n", 3, 11},
		{"crlf", "a: 1\r\nb: 2\r\ngh: '" + githubPAT + "'\r\n", 3, 6},
		{"last line no newline", "x = 1\ny = \"" + githubPAT + "\"", 2, 6},
		{"non-ascii before", "x = 1\nnote = \"clé\"; gh = \"" + githubPAT + "\"\n", 2, 21}, // characters, not bytes (22)
		{"secret group after name", "\n\nJWT_SECRET = \"" + jwtSecret + "\"\n", 3, 15},
		{"private key", "k = 1\nkey = \"\"\"\n" + privateKey + "\n\"\"\"\n", 3, 1},
	}
	s := scanner(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := s.ScanFile("f.py", []byte(c.src))
			if len(got) != 1 {
				t.Fatalf("want one finding, got %+v", got)
			}
			if got[0].Pos != (Pos{c.line, c.col}) {
				t.Errorf("pos = %d:%d, want %d:%d", got[0].Pos.Line, got[0].Pos.Column, c.line, c.col)
			}
		})
	}
}

func TestAWSPairAndDedupe(t *testing.T) {
	src := "[default]\naws_access_key_id = " + awsKeyID + "\naws_secret_access_key = " + awsSecretKey + "\n"
	got := scanner(t).ScanFile("credentials", []byte(src))
	if len(got) != 2 {
		t.Fatalf("want the key ID and the secret key once each (generic-api-key deduplicated), got %+v", got)
	}
	if got[0].Rule != "aws-access-token" || got[1].Rule != ruleAWSSecret {
		t.Fatalf("rules = %s, %s", got[0].Rule, got[1].Rule)
	}
	if got[0].Pair == nil || *got[0].Pair != got[1].Pos || got[1].Pair == nil || *got[1].Pair != got[0].Pos {
		t.Errorf("key ID and secret key are not paired: %+v", got)
	}
	far := "a = \"" + awsKeyID + "\"\n" + strings.Repeat("\n", 10) + "aws_secret_access_key = \"" + awsSecretKey + "\"\n"
	for _, f := range scanner(t).ScanFile("far.py", []byte(far)) {
		if f.Pair != nil {
			t.Errorf("key ID and secret key 11 lines apart paired: %+v", f)
		}
	}
}

func TestRedact(t *testing.T) {
	cases := []struct{ in, want string }{
		{githubPAT, "ghp_**** (40 chars)"},
		{"Xk9vQ2mL7pR4tW", "Xk9**** (14 chars)"},
		{"hunter2", "**** (7 chars)"},
		{"abcdefgh", "ab**** (8 chars)"},
		{privateKey, "-----BEGIN RSA PRIVATE KEY-----**** (" + itoa(len(privateKey)) + " chars)"},
		{"ключ-секрет-значение", "ключ**** (20 chars)"},
	}
	for _, c := range cases {
		if _, _, got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%.10q...) = %q, want %q", c.in, got, c.want)
		}
	}
}

func itoa(n int) string {
	var b []byte
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func TestScannable(t *testing.T) {
	for p, want := range map[string]bool{
		"src/app.py": true, "index.mjs": true, "serverless.yml": true, "template.yaml": true, "main.tf": true, "prod.tfvars": true,
		".env": true, ".env.production": true, "config/app.properties": true, "stack.template": true, "credentials": true,
		"package-lock.json": false, "yarn.lock": false, "pnpm-lock.yaml": false, "poetry.lock": false, "Pipfile.lock": false,
		"uv.lock": false, "go.sum": false, "vendor.min.js": false, "logo.png": false, "README.md": false, "bundle.js.map": false,
	} {
		if got := Scannable(p); got != want {
			t.Errorf("Scannable(%s) = %v, want %v", p, got, want)
		}
	}
}
