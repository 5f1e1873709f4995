package gateway

// DefaultModules are the stages built by the authentication, authorization,
// throttling and WAF packages. Each is plugged in with Adapt, e.g.
//
//	Adapt("auth", func(c authn.Config, env Env) (*authn.Middleware, error) {
//		return authn.New(c, authn.Options{Logger: env.Logger, ...})
//	})
//
// A config that has a section for a stage missing from this list is refused
// at load, so a missing stage can never leave a route open.
var DefaultModules = []Module{}
