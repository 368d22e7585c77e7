// Command validate reads the deployment files the way Docker's own tools do, on a machine without a Docker
// engine, and prints what it found as one JSON object on stdout (test/deploy/compose.test.ts reads it):
//
//	validate compose FILE [-env NAME=VALUE]... [-profile NAME]...
//	    loads FILE with the compose-spec loader (compose-go, the library of `docker compose`): schema validation,
//	    interpolation from the given environment only (not this process's), normalization, profiles, consistency
//	    checks; prints the resolved project, the services disabled by inactive profiles and every interpolation
//	    variable of the file.
//	validate dockerfile FILE
//	    parses FILE with BuildKit's Dockerfile parser and instruction reader (the front end of `docker build`),
//	    with its linter; prints the stages and their instructions.
//
// A file that does not load is not a usage error: the answer is {"ok": false, "error": "..."} with exit code 0,
// so that a test can assert on the message. Usage errors exit with code 2.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"go.yaml.in/yaml/v4"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	if len(os.Args) < 3 {
		usage()
	}
	var out any
	switch os.Args[1] {
	case "compose":
		fs := flag.NewFlagSet("compose", flag.ExitOnError)
		var env, profiles listFlag
		fs.Var(&env, "env", "NAME=VALUE for interpolation (repeatable)")
		fs.Var(&profiles, "profile", "profile to enable (repeatable)")
		file := os.Args[2]
		_ = fs.Parse(os.Args[3:])
		out = composeReport(file, env, profiles)
	case "dockerfile":
		out = dockerfileReport(os.Args[2])
	default:
		usage()
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: validate compose FILE [-env NAME=VALUE]... [-profile NAME]... | validate dockerfile FILE")
	os.Exit(2)
}

type failure struct {
	OK    bool   `json:"ok"`
	Error string `json:"error"`
}

func failed(err error) failure { return failure{OK: false, Error: err.Error()} }

// ---- compose ----

type variable struct {
	Name     string `json:"name"`
	Default  string `json:"default"`
	Required bool   `json:"required"`
}

type disabled struct {
	Name     string   `json:"name"`
	Profiles []string `json:"profiles"`
}

type composeOut struct {
	OK        bool           `json:"ok"`
	Project   *types.Project `json:"project"`
	Disabled  []disabled     `json:"disabledServices"`
	Variables []variable     `json:"variables"`
}

func composeReport(file string, env, profiles []string) any {
	abs, err := filepath.Abs(file)
	if err != nil {
		return failed(err)
	}
	opts, err := cli.NewProjectOptions(
		[]string{abs},
		cli.WithWorkingDirectory(filepath.Dir(abs)),
		cli.WithName("witkey"),
		// only the given environment: neither this process's nor a .env file next to the compose file
		cli.WithEnv(env),
		cli.WithProfiles(profiles),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
		// env_file contents are not merged in: the files hold a site's secrets and are not in the repository
		cli.WithoutEnvironmentResolution,
	)
	if err != nil {
		return failed(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		return failed(err)
	}
	vars, err := variables(abs)
	if err != nil {
		return failed(err)
	}
	off := []disabled{}
	for name, s := range project.DisabledServices {
		off = append(off, disabled{Name: name, Profiles: s.Profiles})
	}
	sort.Slice(off, func(i, j int) bool { return off[i].Name < off[j].Name })
	return composeOut{OK: true, Project: project, Disabled: off, Variables: vars}
}

// variables lists every ${NAME} of the file, as `docker compose config --variables` does.
func variables(file string) ([]variable, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var dict map[string]any
	if err := yaml.Unmarshal(raw, &dict); err != nil {
		return nil, err
	}
	out := []variable{}
	for _, v := range template.ExtractVariables(dict, template.DefaultPattern) {
		out = append(out, variable{Name: v.Name, Default: v.DefaultValue, Required: v.Required})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ---- Dockerfile ----

type command struct {
	Kind     string `json:"kind"`
	Original string `json:"original"`
	// RUN, CMD, ENTRYPOINT
	Args  []string `json:"args,omitempty"`
	Shell bool     `json:"shell,omitempty"`
	// COPY / ADD
	From    string   `json:"from,omitempty"`
	Sources []string `json:"sources,omitempty"`
	Dest    string   `json:"dest,omitempty"`
	Chown   string   `json:"chown,omitempty"`
	// USER, WORKDIR
	Value string `json:"value,omitempty"`
	// ENV
	Env map[string]string `json:"env,omitempty"`
	// HEALTHCHECK
	Test []string `json:"test,omitempty"`
}

type stage struct {
	Name     string    `json:"name"`
	BaseName string    `json:"baseName"`
	Platform string    `json:"platform,omitempty"`
	Commands []command `json:"commands"`
}

type lint struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
	Line    int    `json:"line"`
}

type dockerfileOut struct {
	OK       bool     `json:"ok"`
	Stages   []stage  `json:"stages"`
	MetaArgs []string `json:"metaArgs"`
	Warnings []lint   `json:"warnings"`
}

func dockerfileReport(file string) any {
	f, err := os.Open(file)
	if err != nil {
		return failed(err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		return failed(err)
	}
	warnings := []lint{}
	for _, w := range res.Warnings {
		warnings = append(warnings, lint{Rule: "parser", Message: w.Short, Line: w.Location.Start.Line})
	}
	lnt := linter.New(&linter.Config{
		Warn: func(rule, _, _, msg string, loc []parser.Range) {
			line := 0
			if len(loc) > 0 {
				line = loc[0].Start.Line
			}
			warnings = append(warnings, lint{Rule: rule, Message: msg, Line: line})
		},
	})
	stages, metaArgs, err := instructions.Parse(res.AST, lnt)
	if err != nil {
		return failed(err)
	}
	out := dockerfileOut{OK: true, Stages: []stage{}, MetaArgs: []string{}, Warnings: warnings}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			out.MetaArgs = append(out.MetaArgs, kv.Key)
		}
	}
	for _, s := range stages {
		st := stage{Name: s.Name, BaseName: s.BaseName, Platform: s.Platform, Commands: []command{}}
		for _, c := range s.Commands {
			st.Commands = append(st.Commands, describe(c))
		}
		out.Stages = append(out.Stages, st)
	}
	return out
}

func describe(c instructions.Command) command {
	out := command{Kind: strings.ToLower(c.Name()), Original: fmt.Sprint(c)}
	switch v := c.(type) {
	case *instructions.RunCommand:
		out.Args, out.Shell = v.CmdLine, v.PrependShell
	case *instructions.CmdCommand:
		out.Args, out.Shell = v.CmdLine, v.PrependShell
	case *instructions.EntrypointCommand:
		out.Args, out.Shell = v.CmdLine, v.PrependShell
	case *instructions.CopyCommand:
		out.From, out.Sources, out.Dest, out.Chown = v.From, v.SourcePaths, v.DestPath, v.Chown
	case *instructions.AddCommand:
		out.Sources, out.Dest, out.Chown = v.SourcePaths, v.DestPath, v.Chown
	case *instructions.UserCommand:
		out.Value = v.User
	case *instructions.WorkdirCommand:
		out.Value = v.Path
	case *instructions.EnvCommand:
		out.Env = map[string]string{}
		for _, kv := range v.Env {
			out.Env[kv.Key] = kv.Value
		}
	case *instructions.HealthCheckCommand:
		if v.Health != nil {
			out.Test = v.Health.Test
		}
	}
	return out
}
