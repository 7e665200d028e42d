int reel_media_placeholder;
