package docs

import (
	"fmt"
	"io"
	"strings"
)

// Page is one reference page: a title and the symbols it documents.
type Page struct {
	File, Title string
	Symbols     []string
}

// ParsePage reads "FILE=Title:symbol,symbol".
func ParsePage(spec string) (Page, error) {
	file, rest, ok := strings.Cut(spec, "=")
	title, symbols, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 || file == "" || symbols == "" {
		return Page{}, fmt.Errorf("page %q is not FILE=Title:symbol,symbol", spec)
	}
	return Page{File: file, Title: title, Symbols: strings.Split(symbols, ",")}, nil
}

// Render writes a page of the symbols, in the page's order; loadFrom is
// the file users load them from.
func Render(w io.Writer, page Page, symbols []Symbol, loadFrom string) error {
	byName := map[string]Symbol{}
	for _, s := range symbols {
		byName[s.Name] = s
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<!-- Generated from the docstrings by `bazel run //docs:update`; edit the .bzl files, not this page. -->\n\n# %s\n", page.Title)
	for _, name := range page.Symbols {
		s, ok := byName[name]
		if !ok {
			return fmt.Errorf("%s: %s is not a rule, provider, aspect or macro that %s exports", page.File, name, loadFrom)
		}
		if missing := undocumented(s); len(missing) > 0 {
			return fmt.Errorf("%s: %s has no doc for %s; document each where it is declared", page.File, s.Name, strings.Join(missing, ", "))
		}
		if len(page.Symbols) > 1 || page.Title != s.Name {
			fmt.Fprintf(&b, "\n<a id=\"%s\"></a>\n\n## %s\n", s.Name, s.Name)
		}
		b.WriteString("\n")
		fmt.Fprintf(&b, "```starlark\nload(\"%s\", \"%s\")\n", loadFrom, s.Name)
		switch s.Kind {
		case "rule":
			fmt.Fprintf(&b, "\n%s(%s)\n```\n\n", s.Name, signature(attrNames(s.Attrs)))
		case "macro":
			fmt.Fprintf(&b, "\n%s(%s)\n```\n\n", s.Name, signature(paramNames(s.Params)))
		default:
			b.WriteString("```\n\n")
		}
		if s.Doc != "" {
			b.WriteString(strings.TrimSpace(s.Doc) + "\n\n")
		}
		switch s.Kind {
		case "rule":
			b.WriteString("| attribute | description | type | default |\n| :--- | :--- | :--- | :--- |\n")
			for _, a := range s.Attrs {
				def := "required"
				if !a.Mandatory {
					def = "`" + a.Default + "`"
				}
				fmt.Fprintf(&b, "| <a id=\"%s-%s\"></a>`%s` | %s | %s | %s |\n", s.Name, a.Name, a.Name, cell(a.Doc), a.Type, def)
			}
		case "provider":
			b.WriteString("| field | description |\n| :--- | :--- |\n")
			for _, f := range s.Fields {
				fmt.Fprintf(&b, "| `%s` | %s |\n", f.Name, cell(f.Doc))
			}
		case "macro":
			b.WriteString("| parameter | description | default |\n| :--- | :--- | :--- |\n")
			for _, p := range s.Params {
				def := ""
				if p.Mandatory {
					def = "required"
				} else if p.Default != "" {
					def = "`" + p.Default + "`"
				}
				fmt.Fprintf(&b, "| `%s` | %s | %s |\n", p.Name, cell(p.Doc), def)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func attrNames(attrs []Attr) []string {
	var names []string
	for _, a := range attrs {
		names = append(names, a.Name)
	}
	return names
}

func paramNames(params []Param) []string {
	var names []string
	for _, p := range params {
		names = append(names, p.Name)
	}
	return names
}

func signature(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return "\n    " + strings.Join(names, ",\n    ") + ",\n"
}

// cell makes text one Markdown table cell.
func cell(text string) string {
	text = strings.TrimSpace(text)
	text = strings.ReplaceAll(text, "|", "\\|")
	text = strings.ReplaceAll(text, "\n\n", "<br><br>")
	return strings.ReplaceAll(text, "\n", " ")
}

// undocumented names what a symbol declares without a doc.
func undocumented(s Symbol) []string {
	var missing []string
	if strings.TrimSpace(s.Doc) == "" {
		missing = append(missing, "itself")
	}
	for _, a := range s.Attrs {
		if a.Doc == "" && a.Name != "name" {
			missing = append(missing, "attribute "+a.Name)
		}
	}
	for _, f := range s.Fields {
		if f.Doc == "" {
			missing = append(missing, "field "+f.Name)
		}
	}
	for _, p := range s.Params {
		if p.Doc == "" {
			missing = append(missing, "parameter "+p.Name)
		}
	}
	return missing
}
