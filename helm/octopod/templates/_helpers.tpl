{{/* The release's base name: RELEASE-octopod, or RELEASE if it says octopod. */}}
{{- define "octopod.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "octopod.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "octopod.labels" -}}
{{ include "octopod.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "octopod.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "octopod.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{ .Values.serviceAccount.name | default (include "octopod.fullname" .) }}
{{- else -}}
{{ .Values.serviceAccount.name | default "default" }}
{{- end -}}
{{- end -}}

{{/* The Secret and key holding DATABASE_URL. */}}
{{- define "octopod.databaseSecret" -}}
{{- if .Values.database.internal -}}
{{ include "octopod.fullname" . }}-database
{{- else -}}
{{ required "database.external.secretName is required when database.internal is false" .Values.database.external.secretName }}
{{- end -}}
{{- end -}}
{{- define "octopod.databaseKey" -}}
{{- if .Values.database.internal -}}
DATABASE_URL
{{- else -}}
{{ .Values.database.external.secretKey }}
{{- end -}}
{{- end -}}

{{/* The environment of octopod-fcgi and the control scripts. */}}
{{- define "octopod.env" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "octopod.databaseSecret" . }}
      key: {{ include "octopod.databaseKey" . }}
- name: PROJECT_NAME
  value: {{ .Values.projectName | quote }}
- name: BASE_DOMAIN
  value: {{ .Values.baseDomain | quote }}
- name: NAMESPACE
  value: {{ .Values.deploymentsNamespace | quote }}
- name: CONTROL_SCRIPTS_DIR
  value: /control
- name: ARCHIVE_RETENTION
  value: {{ .Values.archiveRetention | toString | quote }}
- name: RESPONDERS
  value: {{ .Values.responders | toString | quote }}
- name: THREADS
  value: {{ .Values.threads | toString | quote }}
- name: UI_ROLES_FILE
  value: /etc/octopod/roles/ui-roles
- name: POWER_ROLES_FILE
  value: /etc/octopod/roles/power-roles
- name: UI_DEFAULT_ROLE
  value: {{ .Values.roles.uiDefault | quote }}
- name: POWER_DEFAULT_ROLE
  value: {{ .Values.roles.powerDefault | quote }}
{{- range $k, $v := .Values.settings }}
- name: {{ $k }}
  value: {{ $v | toString | quote }}
{{- end }}
{{- range $k, $v := .Values.controlScripts.env }}
- name: {{ $k }}
  value: {{ $v | toString | quote }}
{{- end }}
{{- end -}}

{{/* The ui door's sign-in (UI_AUTH): only the serving container gets it
     (the migrations do not read the client secret) */}}
{{- define "octopod.authEnv" -}}
- name: UI_AUTH
  value: {{ .Values.ui.auth | quote }}
{{- if eq .Values.ui.auth "oidc" }}
- name: OIDC_ISSUER
  value: {{ required "ui.oidc.issuer is required with ui.auth=oidc" .Values.ui.oidc.issuer | quote }}
- name: OIDC_CLIENT_ID
  value: {{ .Values.ui.oidc.clientId | quote }}
- name: OIDC_CLIENT_SECRET_FILE
  value: /etc/octopod/oidc/client-secret
- name: OIDC_SCOPES
  value: {{ .Values.ui.oidc.scopes | quote }}
- name: OIDC_ALLOWED_DOMAINS
  value: {{ .Values.ui.oidc.allowedDomains | quote }}
- name: OIDC_ALLOWED_GROUPS
  value: {{ .Values.ui.oidc.allowedGroups | quote }}
- name: OIDC_GROUPS_CLAIM
  value: {{ .Values.ui.oidc.groupsClaim | quote }}
- name: OIDC_ROLE_MAP
  value: {{ include "octopod.roleMap" . | quote }}
- name: SESSION_TTL
  value: {{ .Values.ui.sessionTtl | toString | quote }}
{{- if .Values.ui.oidc.redirectUrl }}
- name: OIDC_REDIRECT_URL
  value: {{ .Values.ui.oidc.redirectUrl | quote }}
{{- end }}
{{- if .Values.ui.oidc.caSecretName }}
- name: OIDC_CA_FILE
  value: /etc/octopod/oidc-ca/ca.crt
{{- end }}
{{- end }}
{{- end -}}

{{/* ui.oidc.roleMap as OIDC_ROLE_MAP: group=role,... */}}
{{- define "octopod.roleMap" -}}
{{- $parts := list }}
{{- range $g, $r := .Values.ui.oidc.roleMap }}
{{- if not (has $r (list "viewer" "deployer" "admin")) }}
{{- fail (printf "ui.oidc.roleMap: group %s has role %s, not viewer, deployer or admin" $g $r) }}
{{- end }}
{{- $parts = append $parts (printf "%s=%s" $g $r) }}
{{- end }}
{{- join "," $parts }}
{{- end -}}

{{/* What the octopod containers need of the kernel: nothing more (the
     image runs as 10001 with a read-only root; t/container.t runs it so) */}}
{{- define "octopod.containerSecurity" -}}
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop: ["ALL"]
{{- end -}}
