// Package webui is the GAS portal and JSON API: one http.Handler, built by
// New from a Config of ports, served on localhost by `gas serve` and from
// Lambda on AWS. It keeps no state of its own between requests (sessions
// live in the auth store), so any number of instances may serve it.
//
// Handlers decode the request, call one use case (usecases.go), and render a
// template or JSON. Domain errors become HTTP statuses in one place
// (errors.go). Templates and static assets are embedded; no CDN is used.
//
// With Config.Direct (on AWS, where a Lambda request or response is capped
// near 6 MB) browsers upload to and download from the object store through
// presigned forms and links instead of through the portal (direct.go).
package webui
