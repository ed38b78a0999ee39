package push

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// explain turns a failed push into a message for people: for a refusal, the
// registry, the repository, where credentials were looked for and how to
// log in.
func explain(err error, repo name.Repository) error {
	var terr *transport.Error
	if errors.As(err, &terr) && (terr.StatusCode == http.StatusUnauthorized || terr.StatusCode == http.StatusForbidden) {
		host := repo.RegistryStr()
		what := "did not accept the credentials for"
		if terr.StatusCode == http.StatusForbidden {
			what = "does not let these credentials push to"
		}
		return fmt.Errorf("the registry %s %s the repository %s (HTTP %d).\nCredentials were looked for in %s.\nLog in with `podman login %s` or `docker login %s` (or name a credential helper for %s in credHelpers of the docker config), then push again",
			host, what, repo.RepositoryStr(), terr.StatusCode, strings.Join(credentialSources(), ", "), host, host, host)
	}
	return fmt.Errorf("pushing to %s: %w", repo, err)
}

// credentialSources lists, in the order authn.DefaultKeychain reads them
// (the first that exists wins), the files credentials come from, each
// marked present or absent.
func credentialSources() []string {
	var sources []string
	add := func(path string) {
		if _, err := os.Stat(path); err != nil {
			path += " (absent)"
		}
		sources = append(sources, path)
	}
	home, _ := os.UserHomeDir()
	if home != "" {
		add(filepath.Join(home, ".docker", "config.json"))
	} else {
		sources = append(sources, "$HOME/.docker/config.json (HOME is not set)")
	}
	if dir := os.Getenv("DOCKER_CONFIG"); dir != "" {
		add(filepath.Join(dir, "config.json"))
	}
	if f := os.Getenv("REGISTRY_AUTH_FILE"); f != "" {
		add(f)
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		add(filepath.Join(dir, "containers", "auth.json"))
	}
	configDir := os.Getenv("XDG_CONFIG_HOME")
	if configDir == "" && home != "" {
		configDir = filepath.Join(home, ".config")
	}
	if configDir != "" {
		add(filepath.Join(configDir, "containers", "auth.json"))
	}
	return sources
}
