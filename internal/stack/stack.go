// Package stack deploys CloudFormation and AWS SAM templates onto a
// gatehouse: it plans the changes against the stack's last state, applies
// them through the services' public operations in dependency order,
// rolls back on failure, and keeps the stack's state in the store.
package stack

import (
	"time"
)

// Stack statuses, CloudFormation's names for the states a stack rests in.
const (
	StatusCreateComplete         = "CREATE_COMPLETE"
	StatusUpdateComplete         = "UPDATE_COMPLETE"
	StatusUpdateRollbackComplete = "UPDATE_ROLLBACK_COMPLETE"
)

// Stack is a deployed stack as stored.
type Stack struct {
	Name   string `json:"name"`
	ID     string `json:"id"` // arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/UUID
	Status string `json:"status"`
	// StatusReason says why the last deploy rolled back.
	StatusReason string            `json:"statusReason,omitempty"`
	Template     string            `json:"template"`
	Parameters   map[string]string `json:"parameters,omitempty"` // NoEcho values left out
	// NoEcho holds the NoEcho parameters' values, so that a redeploy
	// keeps them (CloudFormation's UsePreviousValue) without showing
	// them; the whole record is sealed with the master key.
	NoEcho    map[string]string         `json:"noEcho,omitempty"`
	Resources map[string]*ResourceState `json:"resources"`
	Outputs   []Output                  `json:"outputs,omitempty"`
	Created   time.Time                 `json:"created"`
	Updated   time.Time                 `json:"updated"`
}

// ResourceState is one resource as last applied.
type ResourceState struct {
	Type       string         `json:"type"`
	PhysicalID string         `json:"physicalId"`
	Attrs      map[string]any `json:"attrs,omitempty"`
	// Props are the properties as applied, intrinsics resolved and code
	// named by its hash: what the next deploy compares against.
	Props map[string]any `json:"props,omitempty"`
	Deps  []string       `json:"deps,omitempty"`
	// Retain keeps the resource when it leaves the template
	// (DeletionPolicy: Retain).
	Retain bool `json:"retain,omitempty"`
}

// Output is one of the stack's outputs.
type Output struct {
	Key         string `json:"key"`
	Value       string `json:"value"`
	Description string `json:"description,omitempty"`
}

// Actions a plan assigns to resources.
const (
	ActionCreate    = "create"
	ActionUpdate    = "update"
	ActionReplace   = "replace"
	ActionDelete    = "delete"
	ActionUnchanged = "unchanged"
)

// Change is one line of a plan.
type Change struct {
	LogicalID string `json:"logicalId"`
	Type      string `json:"type"`
	Action    string `json:"action"`
	// Reason names what changed ("Properties.Handler", "depends on
	// HelloFunction, which is created").
	Reason string `json:"reason,omitempty"`
}

// Event is one step of a deploy as it happens, for live progress.
type Event struct {
	// Kind is "warning", "plan", "resource", "rollback", "complete" or
	// "failed".
	Kind    string   `json:"kind"`
	Changes []Change `json:"changes,omitempty"` // plan
	// Resource progress: LogicalID, Type, Action and Status
	// ("in_progress", "done", "failed").
	LogicalID string        `json:"logicalId,omitempty"`
	Type      string        `json:"type,omitempty"`
	Action    string        `json:"action,omitempty"`
	Status    string        `json:"status,omitempty"`
	Elapsed   time.Duration `json:"elapsedNs,omitempty"`
	Message   string        `json:"message,omitempty"`
	Outputs   []Output      `json:"outputs,omitempty"` // complete
}
