-- CreateTable
CREATE TABLE "inbox_updates" (
    "platform" TEXT NOT NULL,
    "updateKey" TEXT NOT NULL,
    "chatKey" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "doneAt" DATETIME,

    PRIMARY KEY ("platform", "updateKey")
);

-- CreateTable
CREATE TABLE "outbox_messages" (
    "turnKey" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "platform" TEXT NOT NULL,
    "chatKey" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "leaseUntil" DATETIME NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("turnKey", "seq")
);

-- CreateIndex
CREATE INDEX "inbox_updates_status_receivedAt_idx" ON "inbox_updates"("status", "receivedAt");

-- CreateIndex
CREATE INDEX "outbox_messages_leaseUntil_idx" ON "outbox_messages"("leaseUntil");
