package template

// Limits on what a template may cost. They sit well above real templates
// (CloudFormation itself stops at 1 MB, 500 resources and 200 outputs)
// and well below what would hurt the server; doc.go explains each.
const (
	maxTemplateBytes = 1 << 20
	maxDepth         = 100
	maxValues        = 200_000
	// maxTokens bounds the YAML library's work before it starts: it builds
	// a node of a few hundred bytes for every value before any of them can
	// be counted. Every value but a few needs a line, a comma or a bracket
	// of its own, so counting those bounds the values.
	maxTokens = maxValues / 2
	// maxEvalBytes bounds the text one Eval call builds. With the limits
	// on resources and outputs, it bounds the work of evaluating a whole
	// template to what a real one never comes near.
	maxEvalBytes = 4 << 20
	// CloudFormation's limits on resources and outputs.
	maxResources = 500
	maxOutputs   = 200
	// maxLogicalIDLen is CloudFormation's limit on logical IDs.
	maxLogicalIDLen = 255
)
