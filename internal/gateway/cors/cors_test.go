package cors

import (
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	bad := []Config{
		{AllowedOrigins: []string{"*"}, AllowCredentials: true},
		{AllowedOrigins: []string{"null"}},
		{AllowedOrigins: []string{"https://*.example.com"}},
		{AllowedOrigins: []string{"https://example.com/"}},
		{AllowedOrigins: []string{"https://Example.com"}},
		{AllowedOrigins: []string{"example.com"}},
		{AllowedOrigins: []string{"*", "https://a.example"}},
		{AllowedMethods: []string{"get"}},
		{MaxAge: -time.Second},
	}
	for _, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("accepted %+v", c)
		}
	}
	good := Config{AllowedOrigins: []string{"https://a.example", "http://localhost:3000"}, AllowCredentials: true}
	if err := good.Validate(); err != nil {
		t.Error(err)
	}
	yes := true
	rc := RouteConfig{AllowCredentials: &yes}
	if err := rc.ValidateWith(Config{AllowedOrigins: []string{"*"}}); err == nil || !strings.Contains(err.Error(), "allow_credentials") {
		t.Errorf("route credentials with global *: %v", err)
	}
}
