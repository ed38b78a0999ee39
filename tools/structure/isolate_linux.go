package structure

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// namespaces are the new namespaces a command runs in: its own users (the
// image's user mapped to ours), mounts, processes, network (loopback
// only), IPC and host name.
const namespaces = syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS | syscall.CLONE_NEWPID |
	syscall.CLONE_NEWNET | syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS

// run starts p chrooted into its image in new namespaces. Root needs no
// user namespace: the unpacked files keep their owners, and the program
// runs as the image's user, as a runtime runs it. Anyone else runs it in a
// user namespace that maps the image's user to theirs: every file is then
// the program's own.
func run(p process) (outcome, error) {
	if os.Getuid() == 0 {
		return start(p, false)
	}
	out, err := start(p, true)
	if err != nil && refusedNamespace(err) {
		return out, fmt.Errorf("starting %s in new Linux namespaces: %w; this machine forbids unprivileged user namespaces "+
			"(sysctl kernel.unprivileged_userns_clone, kernel.apparmor_restrict_unprivileged_userns, user.max_user_namespaces, "+
			"a container's seccomp profile, or a chroot the test runs in): allow them, run the test as root, or set commands = \"skip\" to report command tests as not run", p.path, err)
	}
	return out, err
}

func refusedNamespace(err error) bool {
	for _, errno := range []syscall.Errno{syscall.EPERM, syscall.EINVAL, syscall.ENOSPC, syscall.EUSERS} {
		if errors.Is(err, errno) {
			return true
		}
	}
	return false
}

func start(p process, userNamespace bool) (outcome, error) {
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	// The path is the program's inside the new root: exec.Cmd's own
	// lookup, on this machine's PATH, must not run.
	cmd := exec.CommandContext(ctx, p.path)
	cmd.Args = p.args
	cmd.Env = p.env
	cmd.Dir = p.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	attr := &syscall.SysProcAttr{Chroot: p.root, Pdeathsig: syscall.SIGKILL}
	if userNamespace {
		attr.Cloneflags = namespaces
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: p.uid, HostID: os.Getuid(), Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: p.gid, HostID: os.Getgid(), Size: 1}}
		attr.GidMappingsEnableSetgroups = false
	} else {
		attr.Cloneflags = namespaces &^ syscall.CLONE_NEWUSER
		attr.Credential = &syscall.Credential{Uid: uint32(p.uid), Gid: uint32(p.gid), NoSetGroups: true}
	}
	cmd.SysProcAttr = attr
	err := cmd.Run()
	out := outcome{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		if ctx.Err() != nil {
			return out, fmt.Errorf("%s did not end within %s; it was killed", p.path, p.timeout)
		}
		out.exitCode = exit.ExitCode()
		if status, ok := exit.Sys().(syscall.WaitStatus); ok && status.Signaled() {
			out.exitCode = 128 + int(status.Signal())
		}
		return out, nil
	case errors.Is(err, syscall.ENOEXEC):
		return out, fmt.Errorf("%w %s (%v)", errCannotStart, p.path, err)
	case err != nil:
		return out, fmt.Errorf("starting %s: %w", p.path, err)
	}
	return out, nil
}
