"""Every ``market`` model, imported in one place so the metadata is complete (Alembic, tests)."""

from market.finance.models import PayeeAccount, StripeBalanceTransaction  # noqa: F401
from market.identity.models import (  # noqa: F401
    Invitation,
    Membership,
    Organisation,
    StaffAssignment,
    User,
)
from market.listings.models import (  # noqa: F401
    ComplianceReview,
    Demand,
    DemandMatch,
    Listing,
    ListingEvent,
    ListingRevision,
    Notification,
    Plan,
    Sample,
)
from market.oauth.models import OAuthClient, OAuthToken  # noqa: F401
from market.outbox import OutboxMessage  # noqa: F401
from market.payments.models import StripeEvent  # noqa: F401
from market.registry.models import (  # noqa: F401
    Asset,
    AssetFile,
    AssetVersion,
    Certificate,
    CertificateCounter,
    Claim,
    ClaimConflict,
    ClaimEvent,
    Evidence,
    Objection,
    RegistryEvent,
    RegistryHead,
)
from market.searching.models import (  # noqa: F401
    RetiredDefault,
    SearchClick,
    SearchQuery,
    SynonymChange,
    SynonymGroup,
)
from market.trading.models import (  # noqa: F401
    Dispute,
    Download,
    Entitlement,
    ExclusiveClaim,
    Order,
    OrderEvent,
    Payment,
    Payout,
    PayoutBatch,
    Refund,
)
from market.uploads.models import UploadSession  # noqa: F401
from market.valuation.models import ProfileJob, ValuationReport  # noqa: F401
from market.verification.models import VerificationEvent, VerificationRequest  # noqa: F401
