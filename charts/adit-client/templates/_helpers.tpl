{{/* Chart name, truncated for DNS label limits. */}}
{{- define "adit-client.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: the release name alone when it already contains the chart name. */}}
{{- define "adit-client.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Selector labels: exactly app.kubernetes.io/name + app.kubernetes.io/instance,
the same pair the server chart uses.
*/}}
{{- define "adit-client.selectorLabels" -}}
app.kubernetes.io/name: {{ include "adit-client.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "adit-client.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "adit-client.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: adit
{{- end }}

{{- define "adit-client.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "adit-client.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Name of the Secret holding the token file: the user's, or the chart's own. */}}
{{- define "adit-client.tokenSecretName" -}}
{{- if .Values.tokenSecretName }}
{{- .Values.tokenSecretName }}
{{- else }}
{{- printf "%s-token" (include "adit-client.fullname" .) }}
{{- end }}
{{- end }}

{{- define "adit-client.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* One --upstream flag per entry: match=target, or a bare target for the default HTTP route. */}}
{{- define "adit-client.upstreamArgs" -}}
{{- range .Values.upstreams }}
{{- if .match }}
- {{ printf "--upstream=%s=%s" .match .target | quote }}
{{- else }}
- {{ printf "--upstream=%s" .target | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* Pod termination must outlast the client's drain of open streams. */}}
{{- define "adit-client.terminationGracePeriodSeconds" -}}
{{- $drain := int .Values.drainTimeoutSeconds }}
{{- if .Values.terminationGracePeriodSeconds }}
{{- if le (int .Values.terminationGracePeriodSeconds) $drain }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be greater than drainTimeoutSeconds (%d)" (int .Values.terminationGracePeriodSeconds) $drain) }}
{{- end }}
{{- int .Values.terminationGracePeriodSeconds }}
{{- else }}
{{- add $drain 15 }}
{{- end }}
{{- end }}
