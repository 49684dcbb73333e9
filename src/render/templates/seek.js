// Enhancements only: every link and the player work without script.
document.addEventListener("click", function (event) {
  // A chapter link plays the recording from its start, instead of opening the file there.
  var link = event.target.closest && event.target.closest("a[data-start]");
  var scope = link && link.closest("article, main");
  var audio = scope && scope.querySelector("audio");
  if (!audio) return;
  event.preventDefault();
  audio.currentTime = parseFloat(link.getAttribute("data-start"));
  var playing = audio.play();
  if (playing) playing.catch(function () {});
});
