package structure

import (
	"encoding/xml"
	"fmt"
	"io"
	"time"
)

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure"`
	Skipped   *junitMessage `xml:"skipped"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the suites as JUnit XML, as Bazel's $XML_OUTPUT_FILE
// and CI systems read it: a test case per YAML test and per check.
func WriteJUnit(w io.Writer, suites []*Suite) error {
	var out junitSuites
	for _, s := range suites {
		js := junitSuite{Name: s.Name + " " + s.Digest, Time: seconds(s.Duration)}
		for _, r := range s.Results {
			c := junitCase{Name: r.Name, ClassName: s.Name + "." + r.Class, Time: seconds(r.Duration)}
			switch {
			case r.Failure != "":
				js.Failures++
				c.Failure = &junitMessage{Message: firstLine(r.Failure), Text: r.Failure}
			case r.NotRun != "":
				js.Skipped++
				c.Skipped = &junitMessage{Message: r.NotRun}
			}
			js.Cases = append(js.Cases, c)
		}
		js.Tests = len(js.Cases)
		out.Suites = append(out.Suites, js)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
