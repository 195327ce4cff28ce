-- CreateTable
CREATE TABLE `inbox_updates` (
    `platform` VARCHAR(16) NOT NULL,
    `updateKey` VARCHAR(64) NOT NULL,
    `chatKey` VARCHAR(64) NOT NULL,
    `payload` MEDIUMTEXT NOT NULL,
    `status` VARCHAR(8) NOT NULL,
    `owner` VARCHAR(96) NOT NULL,
    `receivedAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `doneAt` DATETIME(3) NULL,

    INDEX `inbox_updates_status_receivedAt_idx`(`status`, `receivedAt`),
    PRIMARY KEY (`platform`, `updateKey`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `outbox_messages` (
    `turnKey` VARCHAR(90) NOT NULL,
    `seq` INTEGER NOT NULL,
    `platform` VARCHAR(16) NOT NULL,
    `chatKey` VARCHAR(64) NOT NULL,
    `payload` MEDIUMTEXT NOT NULL,
    `owner` VARCHAR(96) NOT NULL,
    `leaseUntil` DATETIME(3) NOT NULL,
    `expiresAt` DATETIME(3) NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `outbox_messages_leaseUntil_idx`(`leaseUntil`),
    PRIMARY KEY (`turnKey`, `seq`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
