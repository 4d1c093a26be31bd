package userpool

import "time"

// The JSON shapes below follow the cognito-idp service model; omitempty
// follows what DescribeUserPool and DescribeUserPoolClient report.

// StringConstraints are a string attribute's bounds (strings, as in Cognito).
type StringConstraints struct {
	MinLength *string `json:"MinLength,omitempty"`
	MaxLength *string `json:"MaxLength,omitempty"`
}

// NumberConstraints are a number attribute's bounds.
type NumberConstraints struct {
	MinValue *string `json:"MinValue,omitempty"`
	MaxValue *string `json:"MaxValue,omitempty"`
}

// SchemaAttribute is one attribute of a pool's schema.
type SchemaAttribute struct {
	Name                       string             `json:"Name"`
	AttributeDataType          string             `json:"AttributeDataType,omitempty"`
	DeveloperOnlyAttribute     *bool              `json:"DeveloperOnlyAttribute,omitempty"`
	Mutable                    *bool              `json:"Mutable,omitempty"`
	Required                   *bool              `json:"Required,omitempty"`
	NumberAttributeConstraints *NumberConstraints `json:"NumberAttributeConstraints,omitempty"`
	StringAttributeConstraints *StringConstraints `json:"StringAttributeConstraints,omitempty"`
}

// Policies holds the password policy (and the sign-in policy).
type Policies struct {
	PasswordPolicy PasswordPolicy `json:"PasswordPolicy"`
	SignInPolicy   *SignInPolicy  `json:"SignInPolicy,omitempty"`
}

// SignInPolicy lists the first factors a pool allows.
type SignInPolicy struct {
	AllowedFirstAuthFactors []string `json:"AllowedFirstAuthFactors"`
}

// LambdaConfig names the trigger functions.
type LambdaConfig struct {
	PreSignUp                   string                    `json:"PreSignUp,omitempty"`
	CustomMessage               string                    `json:"CustomMessage,omitempty"`
	PostConfirmation            string                    `json:"PostConfirmation,omitempty"`
	PreAuthentication           string                    `json:"PreAuthentication,omitempty"`
	PostAuthentication          string                    `json:"PostAuthentication,omitempty"`
	DefineAuthChallenge         string                    `json:"DefineAuthChallenge,omitempty"`
	CreateAuthChallenge         string                    `json:"CreateAuthChallenge,omitempty"`
	VerifyAuthChallengeResponse string                    `json:"VerifyAuthChallengeResponse,omitempty"`
	PreTokenGeneration          string                    `json:"PreTokenGeneration,omitempty"`
	UserMigration               string                    `json:"UserMigration,omitempty"`
	PreTokenGenerationConfig    *PreTokenGenerationConfig `json:"PreTokenGenerationConfig,omitempty"`
	KMSKeyID                    string                    `json:"KMSKeyID,omitempty"`
}

// PreTokenGenerationConfig picks the trigger's event version.
type PreTokenGenerationConfig struct {
	LambdaVersion string `json:"LambdaVersion"`
	LambdaArn     string `json:"LambdaArn"`
}

// MessageTemplate is an invitation or verification message.
type MessageTemplate struct {
	SMSMessage   string `json:"SMSMessage,omitempty"`
	EmailMessage string `json:"EmailMessage,omitempty"`
	EmailSubject string `json:"EmailSubject,omitempty"`
}

// AdminCreateUserConfig governs AdminCreateUser and self sign-up.
type AdminCreateUserConfig struct {
	AllowAdminCreateUserOnly  bool             `json:"AllowAdminCreateUserOnly"`
	UnusedAccountValidityDays *int             `json:"UnusedAccountValidityDays,omitempty"`
	InviteMessageTemplate     *MessageTemplate `json:"InviteMessageTemplate,omitempty"`
}

// VerificationMessageTemplate is how codes are worded.
type VerificationMessageTemplate struct {
	SmsMessage         string `json:"SmsMessage,omitempty"`
	EmailMessage       string `json:"EmailMessage,omitempty"`
	EmailSubject       string `json:"EmailSubject,omitempty"`
	EmailMessageByLink string `json:"EmailMessageByLink,omitempty"`
	EmailSubjectByLink string `json:"EmailSubjectByLink,omitempty"`
	DefaultEmailOption string `json:"DefaultEmailOption,omitempty"`
}

// RecoveryOption is one account recovery mechanism.
type RecoveryOption struct {
	Priority int    `json:"Priority"`
	Name     string `json:"Name"`
}

// AccountRecoverySetting orders recovery mechanisms.
type AccountRecoverySetting struct {
	RecoveryMechanisms []RecoveryOption `json:"RecoveryMechanisms"`
}

// UsernameConfiguration says whether usernames are case-sensitive.
type UsernameConfiguration struct {
	CaseSensitive bool `json:"CaseSensitive"`
}

// UserAttributeUpdateSettings lists attributes that need verifying first.
type UserAttributeUpdateSettings struct {
	AttributesRequireVerificationBeforeUpdate []string `json:"AttributesRequireVerificationBeforeUpdate"`
}

// EmailConfiguration says how email is sent.
type EmailConfiguration struct {
	SourceArn           string `json:"SourceArn,omitempty"`
	ReplyToEmailAddress string `json:"ReplyToEmailAddress,omitempty"`
	EmailSendingAccount string `json:"EmailSendingAccount,omitempty"`
	From                string `json:"From,omitempty"`
	ConfigurationSet    string `json:"ConfigurationSet,omitempty"`
}

// SmsConfiguration is how a pool sends SMS (through SNS on AWS; through
// the SMS webhook or the outbox here).
type SmsConfiguration struct {
	SnsCallerArn string `json:"SnsCallerArn"`
	ExternalID   string `json:"ExternalId,omitempty"`
	SnsRegion    string `json:"SnsRegion,omitempty"`
}

// Pool is Cognito's UserPoolType.
type Pool struct {
	ID                          string                       `json:"Id"`
	Name                        string                       `json:"Name"`
	Policies                    Policies                     `json:"Policies"`
	DeletionProtection          string                       `json:"DeletionProtection"`
	LambdaConfig                LambdaConfig                 `json:"LambdaConfig"`
	LastModifiedDate            epoch                        `json:"LastModifiedDate"`
	CreationDate                epoch                        `json:"CreationDate"`
	SchemaAttributes            []SchemaAttribute            `json:"SchemaAttributes"`
	AutoVerifiedAttributes      []string                     `json:"AutoVerifiedAttributes,omitempty"`
	AliasAttributes             []string                     `json:"AliasAttributes,omitempty"`
	UsernameAttributes          []string                     `json:"UsernameAttributes,omitempty"`
	SmsVerificationMessage      string                       `json:"SmsVerificationMessage,omitempty"`
	EmailVerificationMessage    string                       `json:"EmailVerificationMessage,omitempty"`
	EmailVerificationSubject    string                       `json:"EmailVerificationSubject,omitempty"`
	VerificationMessageTemplate VerificationMessageTemplate  `json:"VerificationMessageTemplate"`
	SmsAuthenticationMessage    string                       `json:"SmsAuthenticationMessage,omitempty"`
	UserAttributeUpdateSettings *UserAttributeUpdateSettings `json:"UserAttributeUpdateSettings,omitempty"`
	MfaConfiguration            string                       `json:"MfaConfiguration"`
	EstimatedNumberOfUsers      int                          `json:"EstimatedNumberOfUsers"`
	EmailConfiguration          EmailConfiguration           `json:"EmailConfiguration"`
	SmsConfiguration            *SmsConfiguration            `json:"SmsConfiguration,omitempty"`
	UserPoolTags                map[string]string            `json:"UserPoolTags"`
	Domain                      string                       `json:"Domain,omitempty"`
	AdminCreateUserConfig       AdminCreateUserConfig        `json:"AdminCreateUserConfig"`
	UsernameConfiguration       *UsernameConfiguration       `json:"UsernameConfiguration,omitempty"`
	Arn                         string                       `json:"Arn"`
	AccountRecoverySetting      *AccountRecoverySetting      `json:"AccountRecoverySetting,omitempty"`
	UserPoolTier                string                       `json:"UserPoolTier"`
}

// TokenValidityUnits are the units of a client's token lifetimes.
type TokenValidityUnits struct {
	AccessToken  string `json:"AccessToken,omitempty"`
	IDToken      string `json:"IdToken,omitempty"`
	RefreshToken string `json:"RefreshToken,omitempty"`
}

// RefreshTokenRotation configures GetTokensFromRefreshToken rotation.
type RefreshTokenRotation struct {
	Feature                 string `json:"Feature"`
	RetryGracePeriodSeconds *int   `json:"RetryGracePeriodSeconds,omitempty"`
}

// Client is Cognito's UserPoolClientType.
type Client struct {
	UserPoolID                               string                `json:"UserPoolId"`
	ClientName                               string                `json:"ClientName"`
	ClientID                                 string                `json:"ClientId"`
	ClientSecret                             string                `json:"ClientSecret,omitempty"`
	LastModifiedDate                         epoch                 `json:"LastModifiedDate"`
	CreationDate                             epoch                 `json:"CreationDate"`
	RefreshTokenValidity                     int                   `json:"RefreshTokenValidity"`
	AccessTokenValidity                      int                   `json:"AccessTokenValidity"`
	IDTokenValidity                          int                   `json:"IdTokenValidity"`
	TokenValidityUnits                       TokenValidityUnits    `json:"TokenValidityUnits"`
	ReadAttributes                           []string              `json:"ReadAttributes,omitempty"`
	WriteAttributes                          []string              `json:"WriteAttributes,omitempty"`
	ExplicitAuthFlows                        []string              `json:"ExplicitAuthFlows,omitempty"`
	SupportedIdentityProviders               []string              `json:"SupportedIdentityProviders,omitempty"`
	CallbackURLs                             []string              `json:"CallbackURLs,omitempty"`
	LogoutURLs                               []string              `json:"LogoutURLs,omitempty"`
	DefaultRedirectURI                       string                `json:"DefaultRedirectURI,omitempty"`
	AllowedOAuthFlows                        []string              `json:"AllowedOAuthFlows,omitempty"`
	AllowedOAuthScopes                       []string              `json:"AllowedOAuthScopes,omitempty"`
	AllowedOAuthFlowsUserPoolClient          bool                  `json:"AllowedOAuthFlowsUserPoolClient"`
	PreventUserExistenceErrors               string                `json:"PreventUserExistenceErrors"`
	EnableTokenRevocation                    bool                  `json:"EnableTokenRevocation"`
	EnablePropagateAdditionalUserContextData bool                  `json:"EnablePropagateAdditionalUserContextData"`
	AuthSessionValidity                      int                   `json:"AuthSessionValidity"`
	RefreshTokenRotation                     *RefreshTokenRotation `json:"RefreshTokenRotation,omitempty"`
}

// epoch renders a time as Cognito's DateType: epoch seconds, a JSON
// number (milliseconds would break boto3).
type epoch time.Time

func (e epoch) MarshalJSON() ([]byte, error) {
	t := time.Time(e)
	return []byte(formatEpoch(t)), nil
}

func (e *epoch) UnmarshalJSON(b []byte) error {
	var secs, frac int64
	s := string(b)
	dot := len(s)
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			dot = i
			break
		}
	}
	for _, c := range s[:dot] {
		if c < '0' || c > '9' {
			*e = epoch(time.Time{})
			return nil
		}
		secs = secs*10 + int64(c-'0')
	}
	scale := int64(1e9)
	for _, c := range s[min(dot+1, len(s)):] {
		if c < '0' || c > '9' || scale == 1 {
			break
		}
		scale /= 10
		frac += int64(c-'0') * scale
	}
	*e = epoch(time.Unix(secs, frac).UTC())
	return nil
}

// formatEpoch writes seconds with millisecond precision, as AWS does.
func formatEpoch(t time.Time) string {
	ms := t.UnixMilli()
	s := ms / 1000
	r := ms % 1000
	out := make([]byte, 0, 16)
	out = appendInt(out, s)
	out = append(out, '.')
	out = append(out, byte('0'+r/100), byte('0'+r/10%10), byte('0'+r%10))
	return string(out)
}

func appendInt(b []byte, n int64) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}
