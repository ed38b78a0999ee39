// Command cgo links the C library dynamically: what a scratch image must refuse.
package main

// #include <stdio.h>
// static void greet(void) { puts("hello from C"); }
import "C"

func main() { C.greet() }
