-- CreateTable
CREATE TABLE `movie_sources` (
    `source` VARCHAR(16) NOT NULL,
    `sourceId` VARCHAR(64) NOT NULL,
    `movieId` INTEGER NOT NULL,
    `matchedBy` VARCHAR(16) NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `movie_sources_movieId_idx`(`movieId`),
    PRIMARY KEY (`source`, `sourceId`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `movie_sources` ADD CONSTRAINT `movie_sources_movieId_fkey` FOREIGN KEY (`movieId`) REFERENCES `movies`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- Every existing film is its own source's row.
INSERT INTO `movie_sources` (`source`, `sourceId`, `movieId`, `matchedBy`) SELECT `source`, `sourceId`, `id`, 'source' FROM `movies`;
