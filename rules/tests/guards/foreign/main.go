// Command foreign is built for another architecture than the image it is put
// in, which the entrypoint check must refuse.
package main

func main() {}
