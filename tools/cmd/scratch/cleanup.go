package main

import (
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
)

// temporaries are the files the tool removes however it ends: when its verb
// returns or panics, and on SIGINT, SIGTERM or SIGHUP (how Bazel and a
// terminal stop it). Only SIGKILL, which no program can catch, leaves one.
var temporaries = struct {
	sync.Mutex
	paths map[string]bool
}{paths: map[string]bool{}}

func addTemporary(path string) {
	temporaries.Lock()
	defer temporaries.Unlock()
	temporaries.paths[path] = true
}

// forgetTemporary is called once path has been renamed or removed.
func forgetTemporary(path string) {
	temporaries.Lock()
	defer temporaries.Unlock()
	delete(temporaries.paths, path)
}

func removeTemporaries() {
	temporaries.Lock()
	defer temporaries.Unlock()
	removeTemporariesLocked()
}

func removeTemporariesLocked() {
	for path := range temporaries.paths {
		os.RemoveAll(path)
		delete(temporaries.paths, path)
	}
}

// usePrivateTempDir points TMPDIR at a new directory for the packages'
// temporary files, removed with the other temporaries: below $TMPDIR or
// /tmp, or, on a remote worker that has neither, below the working
// directory (an action's execution root, writable where its outputs are).
// Where none can be made, TMPDIR stays as it is: most verbs need no
// temporary file.
func usePrivateTempDir() {
	dir, err := os.MkdirTemp("", "scratch-")
	if err != nil {
		if dir, err = os.MkdirTemp(".", ".scratch-tmp-"); err == nil {
			dir, err = filepath.Abs(dir)
		}
	}
	if err != nil {
		return
	}
	addTemporary(dir)
	os.Setenv("TMPDIR", dir)
}

// removeTemporariesOnSignal ends the tool on SIGINT, SIGTERM or SIGHUP
// after removing its temporaries, with the shell's status for the signal.
func removeTemporariesOnSignal() {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		sig := <-signals
		// Holding the lock to the end, so that no new temporary appears.
		temporaries.Lock()
		removeTemporariesLocked()
		os.Exit(128 + int(sig.(syscall.Signal)))
	}()
}
