{{/* The release's full name, shortened to fit a DNS label. */}}
{{- define "nblint-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "nblint-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "nblint-operator.labels" -}}
{{ include "nblint-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: nblint
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "nblint-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "nblint-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
What the controller does to NotebookValidationJobs and the objects it creates for them, in each watched
namespace (or cluster-wide). Exactly the API calls the code makes: tests/test_chart.py runs the emulated
flows, maps every request to (apiGroup, resource, verb) and checks this list both ways.
*/}}
{{- define "nblint-operator.rules" -}}
# get: the job is re-read after a lost status race.
- apiGroups: [mlops.mlops.dev]
  resources: [notebookvalidationjobs]
  verbs: [get, list, watch]
# Status is replaced with its resourceVersion (optimistic concurrency: a stale write gets 409).
- apiGroups: [mlops.mlops.dev]
  resources: [notebookvalidationjobs/status]
  verbs: [update]
# OpenShift's owner-reference admission: objects owned (blockOwnerDeletion) by a job need this.
- apiGroups: [mlops.mlops.dev]
  resources: [notebookvalidationjobs/finalizers]
  verbs: [update]
- apiGroups: [batch]
  resources: [jobs]
  verbs: [list, watch, create, delete]
- apiGroups: [""]
  resources: [pods]
  verbs: [list, watch]
- apiGroups: [""]
  resources: [configmaps]
  verbs: [create]
- apiGroups: [""]
  resources: [events]
  verbs: [create]
- apiGroups: [tekton.dev]
  resources: [pipelineruns]
  verbs: [list, watch, create, delete]
- apiGroups: [build.openshift.io]
  resources: [buildconfigs]
  verbs: [create]
- apiGroups: [build.openshift.io]
  resources: [builds]
  verbs: [list, watch, create, delete]
{{- end -}}

{{/* The leader-election Lease, in the release namespace only (its name is fixed in operator_bridge/leader.py). */}}
{{- define "nblint-operator.leaderElectionRules" -}}
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [create]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  resourceNames: [nblint-operator]
  verbs: [get, update]
{{- end -}}

{{/*
What `nblint cluster` does as the person running it: without an operator it drives the job itself, so it
needs what the controller needs; with one it creates the job and follows it. Derived like the rules above.
*/}}
{{- define "nblint-operator.userRules" -}}
- apiGroups: [mlops.mlops.dev]
  resources: [notebookvalidationjobs]
  verbs: [get, list, watch, create, delete]
- apiGroups: [mlops.mlops.dev]
  resources: [notebookvalidationjobs/status]
  verbs: [update]
- apiGroups: [mlops.mlops.dev]
  resources: [notebookvalidationjobs/finalizers]
  verbs: [update]
- apiGroups: [batch]
  resources: [jobs]
  verbs: [list, watch, create, delete]
- apiGroups: [""]
  resources: [pods]
  verbs: [list, watch]
- apiGroups: [""]
  resources: [pods/log]
  verbs: [get]
- apiGroups: [""]
  resources: [configmaps]
  verbs: [create]
- apiGroups: [tekton.dev]
  resources: [pipelineruns]
  verbs: [list, watch, create, delete]
- apiGroups: [build.openshift.io]
  resources: [buildconfigs]
  verbs: [create]
- apiGroups: [build.openshift.io]
  resources: [builds]
  verbs: [list, watch, create, delete]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [list]
{{- end -}}
