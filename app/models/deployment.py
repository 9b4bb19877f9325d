"""Facts every host of one deployment must agree on, kept in the database they share."""

from sqlmodel import Field, SQLModel


class DeploymentSetting(SQLModel, table=True):
    """One named value, such as the fingerprint of the secret key (never the key)."""

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)
