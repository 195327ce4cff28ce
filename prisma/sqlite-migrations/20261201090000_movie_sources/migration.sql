-- CreateTable
CREATE TABLE "movie_sources" (
    "source" TEXT NOT NULL,
    "sourceId" TEXT NOT NULL,
    "movieId" INTEGER NOT NULL,
    "matchedBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("source", "sourceId"),
    CONSTRAINT "movie_sources_movieId_fkey" FOREIGN KEY ("movieId") REFERENCES "movies" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "movie_sources_movieId_idx" ON "movie_sources"("movieId");

-- Every existing film is its own source's row.
INSERT INTO "movie_sources" ("source", "sourceId", "movieId", "matchedBy") SELECT "source", "sourceId", "id", 'source' FROM "movies";
